/**
 * Hit testing for the graph canvas: a uniform grid hash over node positions (world units).
 * Rebuilt once per frame in O(n); a lookup checks the 3×3 cells around the point, so pointer
 * moves stay O(1) with thousands of nodes. Pure: no Svelte, no DOM.
 */

/** What the grid indexes: anything with a position. */
export interface Point {
  x: number;
  y: number;
}

/** A grid hash of points; `cellSize` should be about the largest pick radius. */
export class GridHash<T extends Point> {
  private cells = new Map<number, T[]>();
  private cellSize: number;

  constructor(cellSize = 20) {
    this.cellSize = cellSize;
  }

  /** Replaces the indexed items (and optionally the cell size). */
  rebuild(items: Iterable<T>, cellSize = this.cellSize): void {
    this.cellSize = Math.max(1e-6, cellSize);
    this.cells.clear();
    for (const it of items) {
      const key = this.key(Math.floor(it.x / this.cellSize), Math.floor(it.y / this.cellSize));
      const cell = this.cells.get(key);
      if (cell) cell.push(it);
      else this.cells.set(key, [it]);
    }
  }

  /**
   * The item nearest to (x, y) within `radius` (world units), or null. `radius` larger than the
   * cell size still works (more cells are scanned).
   */
  find(x: number, y: number, radius: number, accept?: (item: T) => boolean): T | null {
    const s = this.cellSize;
    const reach = Math.max(1, Math.ceil(radius / s));
    const cx = Math.floor(x / s);
    const cy = Math.floor(y / s);
    let best: T | null = null;
    let bestD2 = radius * radius;
    for (let gx = cx - reach; gx <= cx + reach; gx++) {
      for (let gy = cy - reach; gy <= cy + reach; gy++) {
        const cell = this.cells.get(this.key(gx, gy));
        if (!cell) continue;
        for (const it of cell) {
          const dx = it.x - x;
          const dy = it.y - y;
          const d2 = dx * dx + dy * dy;
          if (d2 <= bestD2 && (!accept || accept(it))) {
            best = it;
            bestD2 = d2;
          }
        }
      }
    }
    return best;
  }

  /** Cell coordinates packed into one number (exact for |coordinate| < 2^20). */
  private key(gx: number, gy: number): number {
    return (gx + 0x100000) * 0x200000 + (gy + 0x100000);
  }
}
