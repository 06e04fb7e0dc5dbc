-- Why a score and a price are what they are (SPEC 4, issue 9): the scoring run stores, beside each
-- score, the features that raised it most, and beside each premium, the figures its factors came from.
--   risk_scores.reasons: [{"feature": "harsh_braking_per_100km", "value": 4.2, "contribution": 0.31, "description": "..."}]
--     (at most three, largest contribution first; empty for scores stored without reasons)
--   premiums.details:    {"distance_km": ..., "risk_factor": {...}, "usage_factor": {...}, "formula": "..."}
--     (the inputs and bounds of the factors, as returned by the premium route's breakdown)
ALTER TABLE risk_scores ADD COLUMN reasons jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(reasons) = 'array');
ALTER TABLE premiums ADD COLUMN details jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(details) = 'object');
