"""Trains the driver risk model and writes its artefacts (issue 9).

    python scripts/train/train.py --data scripts/train/data/drivers.csv --out layers/deps/models/<version>
    python scripts/train/train.py --check   # retrain into a temporary folder, compare with the committed model

The model is a logistic regression (a GLM with a logit link) on standardised features, the form
insurance pricing has used for decades: each feature's effect is one signed coefficient that a
regulator, an actuary and a driver can read, and a driver's reasons are exact additive shares of
the logit. Harsh-event rates must never lower the score, all else equal: the coefficients of those
features are constrained to be non-negative (fit, fix any constrained coefficient that came out
negative at zero, refit the rest, until none is negative), and standardisation divides by a
positive scale, so the property holds by construction for every input.

Everything is deterministic: a fixed split seed, the lbfgs solver, CSV input written with exact
numbers. The same requirements and data give the same ONNX bytes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np
import sklearn
import skl2onnx
from skl2onnx import convert_sklearn
from skl2onnx.common.data_types import FloatTensorType
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

VERSION = "risk-lr-v1"
SEED = 42
TEST_SHARE = 0.25
C = 1.0
OPSET = 15
MONOTONE_INCREASING = [
    "harsh_braking_per_100km",
    "harsh_acceleration_per_100km",
    "harsh_cornering_per_100km",
    "speeding_per_100km",
]
FIXTURE_ROWS = 64
ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATA = ROOT / "scripts/train/data/drivers.csv"
DEFAULT_OUT = ROOT / "layers/deps/models" / VERSION
COMMAND = "npm run train"


def load(path: Path):
    lines = path.read_text().splitlines()
    provenance = lines[0].lstrip("# ").strip()
    header = lines[1].split(",")
    rows = np.array([[float(v) for v in line.split(",")] for line in lines[2:] if line], dtype=np.float64)
    features = header[1:-1]
    return provenance, features, rows[:, 0].astype(np.int64), rows[:, 1:-1], (rows[:, -1] > 0).astype(np.int64)


def fit_constrained(x: np.ndarray, y: np.ndarray, features: list[str]):
    """Scaler + logistic regression whose monotone features have non-negative coefficients."""
    scaler = StandardScaler().fit(x)
    z = scaler.transform(x)
    keep = list(range(len(features)))
    while True:
        model = LogisticRegression(C=C, solver="lbfgs", max_iter=5000, tol=1e-10).fit(z[:, keep], y)
        wrong = [keep[i] for i, w in enumerate(model.coef_[0]) if features[keep[i]] in MONOTONE_INCREASING and w < 0]
        if not wrong:
            break
        keep = [k for k in keep if k not in wrong]
    full = LogisticRegression(C=C, solver="lbfgs", max_iter=5000, tol=1e-10)
    full.classes_ = model.classes_
    full.coef_ = np.zeros((1, len(features)))
    full.coef_[0, keep] = model.coef_[0]
    full.intercept_ = model.intercept_.copy()
    full.n_iter_ = model.n_iter_
    full.n_features_in_ = len(features)
    pinned = [f for i, f in enumerate(features) if i not in keep]
    return Pipeline([("scaler", scaler), ("model", full)]), pinned


def calibration(p: np.ndarray, y: np.ndarray, bins: int = 10):
    order = np.argsort(p, kind="stable")
    table = []
    for chunk in np.array_split(order, bins):
        table.append({
            "drivers": int(len(chunk)),
            "predicted_min": round(float(p[chunk].min()), 6),
            "predicted_max": round(float(p[chunk].max()), 6),
            "mean_predicted": round(float(p[chunk].mean()), 6),
            "observed_rate": round(float(y[chunk].mean()), 6),
        })
    return table


def score_of(p: np.ndarray, quantiles: np.ndarray) -> np.ndarray:
    """Probability -> 0-100: the share of training drivers with a lower probability (lib/scoring/score.ts)."""
    return np.interp(p, quantiles, np.linspace(0, 100, len(quantiles)))


def train(data: Path, out: Path) -> dict:
    provenance, features, ids, x, y = load(data)
    x_train, x_test, y_train, y_test, ids_train, ids_test = train_test_split(
        x, y, ids, test_size=TEST_SHARE, random_state=SEED, stratify=y
    )
    pipeline, pinned = fit_constrained(x_train, y_train, features)
    p_test = pipeline.predict_proba(x_test)[:, 1]
    p_train = pipeline.predict_proba(x_train)[:, 1]
    quantiles = np.quantile(p_train, np.linspace(0, 1, 101))
    train_scores = score_of(p_train, quantiles)
    edges = np.linspace(0, 100, 11)
    histogram = np.histogram(train_scores, bins=edges)[0] / len(train_scores)

    onnx_model = convert_sklearn(
        pipeline,
        name=VERSION,
        initial_types=[("features", FloatTensorType([None, len(features)]))],
        options={id(pipeline.named_steps["model"]): {"zipmap": False}},
        target_opset=OPSET,
    )
    onnx_model.doc_string = f"{VERSION}: driver claim probability, features {','.join(features)}"
    onnx_bytes = onnx_model.SerializeToString()

    out.mkdir(parents=True, exist_ok=True)
    (out / "model.onnx").write_bytes(onnx_bytes)

    scaler, model = pipeline.named_steps["scaler"], pipeline.named_steps["model"]
    fixture_x = x_test[:FIXTURE_ROWS]
    fixture = {
        "model_version": VERSION,
        "features": features,
        "driver_ids": [int(i) for i in ids_test[:FIXTURE_ROWS]],
        "inputs": fixture_x.tolist(),
        "probabilities": pipeline.predict_proba(fixture_x)[:, 1].tolist(),
    }
    card = {
        "version": VERSION,
        "kind": "logistic regression on standardised features (scikit-learn pipeline, exported with skl2onnx)",
        "target": "probability that the driver has at least one claim in a year",
        "training_command": COMMAND,
        "dataset": provenance,
        "seed": SEED,
        "libraries": {"python": sys.version.split()[0], "scikit-learn": sklearn.__version__, "skl2onnx": skl2onnx.__version__, "numpy": np.__version__},
        "onnx": {"file": "model.onnx", "sha256": hashlib.sha256(onnx_bytes).hexdigest(), "opset": OPSET,
                 "input": "features", "output": "probabilities", "positive_class_index": 1},
        "features": features,
        "monotone_increasing": MONOTONE_INCREASING,
        "pinned_at_zero": pinned,
        "scaler": {"mean": scaler.mean_.tolist(), "scale": scaler.scale_.tolist()},
        "coefficients": model.coef_[0].tolist(),
        "intercept": float(model.intercept_[0]),
        "regularisation_c": C,
        "rows": {"training": int(len(y_train)), "held_out": int(len(y_test)),
                 "training_positives": int(y_train.sum()), "held_out_positives": int(y_test.sum())},
        "held_out_auc": round(float(roc_auc_score(y_test, p_test)), 6),
        "calibration": calibration(p_test, y_test),
        "score": {
            "method": "share of training drivers with a lower predicted probability (linear between percentiles), 0-100",
            "probability_percentiles": quantiles.tolist(),
            "training_distribution": {"edges": edges.tolist(), "shares": histogram.tolist()},
        },
    }
    (out / "card.json").write_text(json.dumps(card, indent=2) + "\n")
    (out / "fixture.json").write_text(json.dumps(fixture) + "\n")
    (out / "CARD.md").write_text(markdown(card))
    sums = "".join(f"{hashlib.sha256((out / f).read_bytes()).hexdigest()}  {f}\n" for f in ("model.onnx", "card.json", "fixture.json"))
    (out / "SHA256SUMS").write_text(sums)
    return card


def markdown(card: dict) -> str:
    coef = "\n".join(
        f"| {i + 1} | `{f}` | {w:+.4f} | {m:.4f} | {s:.4f} |{' pinned at 0 (constraint)' if f in card['pinned_at_zero'] else ''}"
        for i, (f, w, m, s) in enumerate(zip(card["features"], card["coefficients"], card["scaler"]["mean"], card["scaler"]["scale"]))
    )
    calib = "\n".join(
        f"| {i + 1} | {b['drivers']} | {b['mean_predicted']:.4f} | {b['observed_rate']:.4f} |" for i, b in enumerate(card["calibration"])
    )
    rows = card["rows"]
    return f"""# Model card: {card['version']}

- Model: {card['kind']}.
- Target: {card['target']}.
- Training data: {card['dataset']} (synthetic; labels from `training.claims`).
- Rows: {rows['training']} training ({rows['training_positives']} with a claim), {rows['held_out']} held out ({rows['held_out_positives']} with a claim); split seed {card['seed']}.
- Held-out AUC: **{card['held_out_auc']:.4f}**.
- Monotone by construction: coefficients of {', '.join('`' + f + '`' for f in card['monotone_increasing'])} are constrained to be >= 0.
- Score: {card['score']['method']}.
- ONNX: `{card['onnx']['file']}` (opset {card['onnx']['opset']}, input `{card['onnx']['input']}` float32 [n, {len(card['features'])}], output `{card['onnx']['output']}` [n, 2]), sha256 `{card['onnx']['sha256']}`.
- Libraries: {', '.join(f'{k} {v}' for k, v in card['libraries'].items())}.
- Reproduce: `{card['training_command']}` (see README, "Risk model").

## Features (input order), coefficients per standard deviation

| # | feature | coefficient | training mean | training sd |
|---|---|---|---|---|
{coef}

Intercept {card['intercept']:+.4f}. A reason's contribution is `coefficient * (value - mean) / sd`, in logit units.

## Calibration (held-out drivers, deciles of predicted probability)

| decile | drivers | mean predicted | observed claim rate |
|---|---|---|---|
{calib}
"""


def check(data: Path, committed: Path) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        card = train(data, Path(tmp))
        fresh = json.loads((Path(tmp) / "fixture.json").read_text())
        old = json.loads((committed / "fixture.json").read_text())
        same_bytes = (Path(tmp) / "model.onnx").read_bytes() == (committed / "model.onnx").read_bytes()
        diff = max(abs(a - b) for a, b in zip(fresh["probabilities"], old["probabilities"]))
        same_inputs = fresh["inputs"] == old["inputs"]
        print(json.dumps({"version": card["version"], "same_onnx_bytes": same_bytes, "same_fixture_inputs": same_inputs,
                          "max_probability_difference": diff}))
        return 0 if same_inputs and diff <= 1e-12 else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--check", action="store_true", help="retrain into a temporary folder and compare with --out")
    args = parser.parse_args()
    if args.check:
        return check(args.data, args.out)
    card = train(args.data, args.out)
    print(f"{card['version']}: {card['rows']['training']} training rows, held-out AUC {card['held_out_auc']:.4f}, "
          f"pinned at zero: {card['pinned_at_zero'] or 'none'}; wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
