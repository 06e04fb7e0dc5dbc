import { describe, expect, it } from 'vitest';
import { projectRoute, routeCoordinates, svgPoints } from '../../../web/console/route-shape.js';

const BOX = { width: 200, height: 100, padding: 10 };

describe('projecting a trip route into an SVG box', () => {
  it('keeps one point per event with both coordinates, in order, and drops the others', () => {
    const events = [
      { lat: 50, lon: 7 },
      { lat: null, lon: 7.1 },
      { lat: 50.1, lon: null },
      { lat: 50.2, lon: 7.2 },
    ];

    expect(routeCoordinates(events)).toEqual([{ lat: 50, lon: 7 }, { lat: 50.2, lon: 7.2 }]);
    expect(projectRoute(events, BOX)).toHaveLength(2);
  });

  it('draws north up and east right, touching the padding on the limiting axis', () => {
    // A route going north-east: 0.1 degree of latitude, 0.1 degree of longitude at the equator.
    const [start, end] = projectRoute([{ lat: 0, lon: 0 }, { lat: 0.1, lon: 0.1 }], BOX);

    expect(end!.x).toBeGreaterThan(start!.x);
    expect(end!.y).toBeLessThan(start!.y);
    // Height is the limiting axis (80 inside the padding): the route spans it exactly.
    expect(start!.y).toBeCloseTo(90, 9);
    expect(end!.y).toBeCloseTo(10, 9);
    // Same scale on both axes (longitude shortened by the cosine of the mean latitude, 0.05),
    // centred in the 180 units available.
    const width = 80 * Math.cos((0.05 * Math.PI) / 180);
    expect(end!.x - start!.x).toBeCloseTo(width, 9);
    expect(start!.x).toBeCloseTo(10 + (180 - width) / 2, 9);
  });

  it('shortens longitude by the cosine of the latitude, so shapes keep their proportions away from the equator', () => {
    // At 60 degrees north a degree of longitude is half a degree of latitude on the ground.
    const [a, b, c] = projectRoute([{ lat: 60, lon: 10 }, { lat: 60, lon: 10.2 }, { lat: 60.1, lon: 10.2 }], { width: 1000, height: 1000, padding: 0 });
    const east = Math.hypot(b!.x - a!.x, b!.y - a!.y);
    const north = Math.hypot(c!.x - b!.x, c!.y - b!.y);

    // The scale is taken at the mean latitude of the route's points.
    expect(east / north).toBeCloseTo(Math.cos((((60 + 60 + 60.1) / 3) * Math.PI) / 180) * 2, 9);
  });

  it('puts a route that never moves in the middle of the box', () => {
    expect(projectRoute([{ lat: 48, lon: 2 }, { lat: 48, lon: 2 }], BOX)).toEqual([{ x: 100, y: 50 }, { x: 100, y: 50 }]);
    expect(projectRoute([], BOX)).toEqual([]);
  });

  it('writes the points attribute to a tenth of a unit', () => {
    expect(svgPoints([{ x: 1, y: 2.25 }, { x: 10.04, y: 0 }])).toBe('1.0,2.3 10.0,0.0');
  });
});
