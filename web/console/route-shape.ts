/**
 * A trip's route as an SVG polyline: every event with coordinates becomes one point, in time order,
 * projected equirectangularly (longitude scaled by the cosine of the route's mean latitude, so a
 * city-sized route keeps its shape), fitted into the box with the same scale on both axes, north up.
 * No map tiles: the line alone shows where the trip went.
 */

export interface Coordinates {
  lat: number | null;
  lon: number | null;
}

export interface Box {
  width: number;
  height: number;
  /** Space kept free on every side, in the box's units. */
  padding: number;
}

export interface Point {
  x: number;
  y: number;
}

/** The events that have both coordinates, as numbers, in their order. */
export function routeCoordinates(events: readonly Coordinates[]): { lat: number; lon: number }[] {
  const points: { lat: number; lon: number }[] = [];
  for (const { lat, lon } of events) if (lat !== null && lon !== null && Number.isFinite(lat) && Number.isFinite(lon)) points.push({ lat, lon });
  return points;
}

/** Projects the route into the box; a route that does not move (or has one point) sits in the middle. */
export function projectRoute(events: readonly Coordinates[], box: Box): Point[] {
  const route = routeCoordinates(events);
  if (route.length === 0) return [];
  const meanLat = route.reduce((sum, p) => sum + p.lat, 0) / route.length;
  const lonScale = Math.cos((meanLat * Math.PI) / 180);
  const planar = route.map((p) => ({ x: p.lon * lonScale, y: p.lat }));
  const xs = planar.map((p) => p.x);
  const ys = planar.map((p) => p.y);
  const [minX, maxX, minY, maxY] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const innerWidth = Math.max(box.width - 2 * box.padding, 0);
  const innerHeight = Math.max(box.height - 2 * box.padding, 0);
  const spanX = maxX - minX;
  const spanY = maxY - minY;
  const scale = spanX === 0 && spanY === 0 ? 0 : Math.min(spanX === 0 ? Infinity : innerWidth / spanX, spanY === 0 ? Infinity : innerHeight / spanY);
  // Centred in the box: the unused room of the narrower axis is split on both sides.
  const offsetX = box.padding + (innerWidth - spanX * scale) / 2;
  const offsetY = box.padding + (innerHeight - spanY * scale) / 2;
  return planar.map((p) => ({ x: offsetX + (p.x - minX) * scale, y: offsetY + (maxY - p.y) * scale }));
}

/** The `points` attribute of an SVG polyline, to a tenth of a unit. */
export function svgPoints(points: readonly Point[]): string {
  return points.map((p) => `${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ');
}
