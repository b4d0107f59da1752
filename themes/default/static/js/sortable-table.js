// Sortable tables: turns each column heading of a `table[data-sortable]` into a button that
// sorts the rows by that column (cells may carry `data-sort` with the value to sort by).
// Progressive enhancement only: without JavaScript the table keeps its server-side order.
(function () {
  'use strict';
  function key(row, index) {
    var cell = row.cells[index];
    if (!cell) return '';
    var v = cell.getAttribute('data-sort');
    return v === null ? cell.textContent.trim() : v;
  }
  function sortBy(table, index, direction) {
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = key(a, index), y = key(b, index);
      var c = x.localeCompare(y, 'en-GB', { numeric: true, sensitivity: 'base' });
      return direction === 'ascending' ? c : -c;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  }
  function enhance(table) {
    var headings = table.tHead ? table.tHead.rows[0].cells : [];
    var status = document.createElement('p');
    status.className = 'visually-hidden';
    status.setAttribute('role', 'status');
    table.parentNode.insertBefore(status, table.nextSibling);
    Array.prototype.forEach.call(headings, function (th, index) {
      var button = document.createElement('button');
      button.type = 'button';
      button.className = 'sort-button';
      while (th.firstChild) button.appendChild(th.firstChild);
      th.appendChild(button);
      button.addEventListener('click', function () {
        var next = th.getAttribute('aria-sort') === 'ascending' ? 'descending' : 'ascending';
        Array.prototype.forEach.call(headings, function (h) { h.setAttribute('aria-sort', 'none'); });
        th.setAttribute('aria-sort', next);
        sortBy(table, index, next);
        status.textContent = 'Sorted by ' + button.textContent + ', ' + next + '.';
      });
    });
  }
  Array.prototype.forEach.call(document.querySelectorAll('table[data-sortable]'), enhance);
})();
