// The province map's geometry, in the browser: the province outline from the shared boundaries
// (provinces-34.simplified.geojson) projected onto the board, and a grid cartogram of its communes and
// wards laid inside it. The data holds no commune boundaries, so each commune is a tile of equal size: the
// tiles fill the province's shape in the order of the communes' official codes (which follow the old
// districts), not at each commune's true place. Plain functions, no DOM: dashboard.js draws them.

(() => {
  /** Longitude/latitude to plane coordinates: equirectangular, x scaled by cos(latitude) at the centre. */
  function projector(rings, width, height, margin) {
    let minLon = Infinity;
    let maxLon = -Infinity;
    let minLat = Infinity;
    let maxLat = -Infinity;
    for (const ring of rings) {
      for (const [lon, lat] of ring) {
        minLon = Math.min(minLon, lon);
        maxLon = Math.max(maxLon, lon);
        minLat = Math.min(minLat, lat);
        maxLat = Math.max(maxLat, lat);
      }
    }
    const k = Math.cos((((minLat + maxLat) / 2) * Math.PI) / 180);
    const spanX = (maxLon - minLon) * k || 1;
    const spanY = maxLat - minLat || 1;
    const scale = Math.min((width - 2 * margin) / spanX, (height - 2 * margin) / spanY);
    const offsetX = (width - spanX * scale) / 2;
    const offsetY = (height - spanY * scale) / 2;
    return ([lon, lat]) => [offsetX + (lon - minLon) * k * scale, offsetY + (maxLat - lat) * scale];
  }

  /** Every ring of a Polygon or MultiPolygon geometry. */
  function ringsOf(geometry) {
    if (geometry.type === "Polygon") return geometry.coordinates;
    if (geometry.type === "MultiPolygon") return geometry.coordinates.flat();
    return [];
  }

  /** Even-odd rule over all rings (holes and islands alike). */
  function inside(point, rings) {
    const [x, y] = point;
    let result = false;
    for (const ring of rings) {
      for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
        const [xi, yi] = ring[i];
        const [xj, yj] = ring[j];
        if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) result = !result;
      }
    }
    return result;
  }

  /**
   * The outline as SVG path data, the board's height for `width` (at most `maxHeight`), and `count`
   * square cells inside the outline: the largest cell size for which
   * at least `count` cell centres fall inside the province, then `count` of them spread evenly, row by
   * row. Where the province is too thin for that, the cells fall back to a plain grid over the box.
   */
  function layout(geometry, count, width, maxHeight) {
    const rings = ringsOf(geometry);
    // The board is as tall as the province's shape wants, within bounds: tall provinces get tall maps.
    const height = Math.round(Math.min(maxHeight, Math.max(width * 0.6, width * aspectOf(rings))));
    const project = projector(rings, width, height, 8);
    const projected = rings.map((ring) => ring.map(project));
    const path = projected
      .map((ring) => `M${ring.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join("L")}Z`)
      .join("");
    if (count === 0) return { path, cells: [], size: 0, height };
    let size = Math.sqrt((width * height) / count);
    let centres = [];
    for (let attempt = 0; attempt < 200 && size > 4; attempt++) {
      centres = [];
      // Rows and columns centred in the box, so the grid sits evenly in the outline.
      const columns = Math.floor(width / size);
      const rows = Math.floor(height / size);
      const left = (width - columns * size) / 2;
      const top = (height - rows * size) / 2;
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < columns; c++) {
          const x = left + c * size;
          const y = top + r * size;
          if (inside([x + size / 2, y + size / 2], projected)) centres.push([x, y]);
        }
      }
      if (centres.length >= count) break;
      size *= 0.96;
    }
    if (centres.length < count) {
      const columns = Math.ceil(Math.sqrt(count));
      size = width / columns;
      centres = Array.from({ length: count }, (_, i) => [
        (i % columns) * size,
        Math.floor(i / columns) * size,
      ]);
    }
    const cells = Array.from({ length: count }, (_, i) => {
      const [x, y] = centres[Math.floor((i * centres.length) / count)];
      return { x, y };
    });
    return { path, cells, size, height };
  }

  /** Height over width of the projected rings (1 for none). */
  function aspectOf(rings) {
    const points = rings.flat();
    if (points.length === 0) return 1;
    const lats = points.map((p) => p[1]);
    const lons = points.map((p) => p[0]);
    const k = Math.cos((((Math.min(...lats) + Math.max(...lats)) / 2) * Math.PI) / 180);
    const spanX = (Math.max(...lons) - Math.min(...lons)) * k;
    const spanY = Math.max(...lats) - Math.min(...lats);
    return spanX > 0 ? spanY / spanX : 1;
  }

  globalThis.MotcuaCartogram = { layout, inside, ringsOf };
})();
