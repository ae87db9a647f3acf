// Starts GOV.UK Frontend's components (error summary focus, conditional reveals, menus).
import { initAll } from '../govuk/govuk-frontend.min.js'

initAll()
