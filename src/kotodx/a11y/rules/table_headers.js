// ACT d0f69e: a table header cell (th, or role columnheader/rowheader) must be the header of at least one
// data cell; a header with no cells under it (or beside it) is announced for nothing and tells of a
// column or row that is not there. The table model of HTML: cells placed on a grid with their
// colspan/rowspan; a data cell belongs to the headers its headers attribute names, else to the column
// headers above it and the row headers before it. ARIA tables (role table/grid/treegrid) by their rows.
window.kotodxTableGrid = (table) => {
  const native = table.localName === "table";
  const isTable = (el) => el.localName === "table" || ["table", "grid", "treegrid"].includes((el.getAttribute("role") || "").trim());
  const rows = native
    ? Array.from(table.rows)
    : Array.from(table.querySelectorAll("[role=row]")).filter((r) => r.parentElement.closest("table, [role=table], [role=grid], [role=treegrid]") === table);
  const grid = [];
  const cells = [];
  rows.forEach((row, y) => {
    const rowCells = native
      ? Array.from(row.cells)
      : Array.from(row.children).filter((c) => ["cell", "gridcell", "columnheader", "rowheader"].includes((c.getAttribute("role") || "").trim()) && !isTable(c));
    let x = 0;
    for (const cell of rowCells) {
      grid[y] = grid[y] || [];
      while (grid[y][x]) x += 1;
      const w = native ? Math.max(1, cell.colSpan || 1) : 1;
      const h = native ? Math.max(1, cell.rowSpan || 1) : 1;
      const role = (cell.getAttribute("role") || "").trim();
      const header = role ? role === "columnheader" || role === "rowheader" : cell.localName === "th";
      const entry = { cell, x, y, w, h: Math.min(h, rows.length - y), header, role };
      cells.push(entry);
      for (let dy = 0; dy < entry.h; dy += 1) {
        grid[y + dy] = grid[y + dy] || [];
        for (let dx = 0; dx < w; dx += 1) grid[y + dy][x + dx] = entry;
      }
      x += w;
    }
  });
  return { grid, cells };
};

kotodxRule({
  id: "kotodx-table-header-cells",
  actIds: ["d0f69e"],
  sc: ["1.3.1"],
  impact: "serious",
  help: "表の見出しセルに対応するデータのセルがありません。見出しだけの列・行を消すか、データのセルを置くか、headers 属性で結び付けてください。",
  check: () => {
    const nodes = [];
    let applicable = 0;
    const tables = document.querySelectorAll("table, [role=table], [role=grid], [role=treegrid]");
    for (const table of tables) {
      const role = (table.getAttribute("role") || "").trim();
      if (table.localName === "table" && (role === "presentation" || role === "none")) continue;
      if (!kotodxInTree(table)) continue;
      const { cells } = kotodxTableGrid(table);
      const inRows = (h, c) => c.y < h.y + h.h && c.y + c.h > h.y;
      const inCols = (h, c) => c.x < h.x + h.w && c.x + c.w > h.x;
      // what a header cell heads: its column(s), its row(s), or (scope auto) as its position says
      const heads = (h) => {
        const scope = h.role === "columnheader" ? "col" : h.role === "rowheader" ? "row" : (h.cell.getAttribute("scope") || "").toLowerCase();
        if (scope === "col" || scope === "colgroup") return { column: true, row: false };
        if (scope === "row" || scope === "rowgroup") return { column: false, row: true };
        const rowAll = cells.filter((c) => inRows(h, c)).every((c) => c.header);
        const colAll = cells.filter((c) => inCols(h, c)).every((c) => c.header);
        return { column: rowAll || !colAll, row: colAll || !rowAll };
      };
      for (const h of cells) {
        if (!h.header || !kotodxInTree(h.cell) || !h.cell.getClientRects().length) continue;
        applicable += 1;
        const { column, row } = heads(h);
        const id = h.cell.id;
        // a data cell, or a header cell that heads the other way (the row headers under a column header)
        const assigned = cells.some((c) => {
          if (c === h) return false;
          const refs = (c.cell.getAttribute("headers") || "").trim();
          if (refs) return !!id && refs.split(/\s+/).includes(id);
          const other = c.header ? heads(c) : { column: false, row: false };
          return (column && inCols(h, c) && c.y >= h.y + h.h && !(c.header && other.column && !other.row))
            || (row && inRows(h, c) && c.x >= h.x + h.w && !(c.header && other.row && !other.column));
        });
        if (!assigned) nodes.push({ node: h.cell, message: `見出し「${(h.cell.textContent || "").trim().slice(0, 40)}」のデータがありません。` });
      }
    }
    if (!applicable) return { outcome: "inapplicable", nodes };
    return { outcome: nodes.length ? "failed" : "passed", nodes };
  },
});
