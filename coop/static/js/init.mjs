// Starts GOV.UK Frontend's components (error summary focus, conditional reveals, menus).
import { initAll } from '../govuk/govuk-frontend.min.js'

initAll()

// Tables that stack into blocks on a phone (coop-table--stack in coop.scss) say they are
// tables in ARIA too, because some browsers (Safari) stop treating a table as one when CSS
// changes how it is displayed.
const roles = { TABLE: 'table', THEAD: 'rowgroup', TBODY: 'rowgroup', TR: 'row', TD: 'cell' }
for (const table of document.querySelectorAll('table.coop-table--stack')) {
  for (const element of [table, ...table.querySelectorAll('thead, tbody, tr, th, td')]) {
    const role = element.tagName === 'TH'
      ? (element.getAttribute('scope') === 'row' ? 'rowheader' : 'columnheader')
      : roles[element.tagName]
    element.setAttribute('role', role)
  }
}
