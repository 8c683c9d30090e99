// earlyhelp: initialise GOV.UK Frontend without any inline script.
//
// GOV.UK Frontend's page template normally runs an inline <script> as the
// first thing in <body> to add `js-enabled` and, when ES modules are
// supported, `govuk-frontend-supported`. Our Content-Security-Policy forbids
// inline script, so this module does it instead. It is loaded with
//   <script type="module" src="/assets/init.js"></script>
// at the end of <body>; any browser that runs a module script supports ES
// modules, which is exactly what `govuk-frontend-supported` means.
// `initAll()` checks for that class, so it must be added first.
import { initAll } from './govuk-frontend.min.js'

document.body.classList.add('js-enabled', 'govuk-frontend-supported')
initAll()

// The meeting in the room (slot timer, follow view) needs its own script only there.
if (document.querySelector('[data-slot-ends], [data-follow]')) {
  import('./live.js')
}
