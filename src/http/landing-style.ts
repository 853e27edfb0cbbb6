// The landing page's look: one inline stylesheet and an inline icon, no file and no request
// of their own. Below 640 px wide every table row becomes a block of "Label: value" lines,
// so a phone shows every column without scrolling sideways.

export const LANDING_STYLE = `
body { font-family: sans-serif; margin: 1em; line-height: 1.4; overflow-wrap: break-word; }
h1 { margin: 0 0 .3em; }
table { border-collapse: collapse; font-size: 90%; margin: .5em 0; }
th, td { border: 1px solid #ccc; padding: 2px 6px; text-align: left; vertical-align: top; }
td.n { text-align: right; }
tr.problem { background: #fdd; }
strong.problem { color: #900; }
form label { margin-right: .8em; white-space: nowrap; }
nav.pages { margin: .5em 0; }
nav.pages a, nav.pages span { margin-right: .8em; white-space: nowrap; }
@media (max-width: 640px) {
  form label { display: block; margin: .3em 0; }
  table.rows, table.rows tbody, table.rows tr, table.rows td { display: block; }
  table.rows thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
  table.rows tr { border: 1px solid #ccc; margin-bottom: .6em; padding: 2px 0; }
  table.rows td { border: none; padding: 1px 6px; text-align: left; overflow-wrap: anywhere; }
  table.rows td::before { content: attr(data-label) ": "; font-weight: bold; }
}
`;

/** A round "port" in a square, as an SVG data: URL the page links as its icon. */
export const FAVICON_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16">' +
  '<rect width="16" height="16" rx="3" fill="#2a5"/><circle cx="8" cy="8" r="4" fill="#fff"/></svg>';

const FAVICON_URL = `data:image/svg+xml,${encodeURIComponent(FAVICON_SVG)}`;
export const FAVICON_LINK = `<link rel="icon" type="image/svg+xml" href="${FAVICON_URL}">`;
