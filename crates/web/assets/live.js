// earlyhelp: the meeting in the room, loaded by init.js only on the pages that need it.
//
// - A slot timer (`data-slot-ends`, an RFC 3339 instant) counts down each second and turns red
//   when the slot has run over. The server renders what it read when the page was made, so the
//   page is right without this script too.
// - The follow page (`data-follow`, the URL of its fragment) asks every five seconds whether
//   the case under discussion changed, sending the fragment's ETag; the server answers
//   "304 Not Modified" until the chair moves on, and only then sends the new fragment.

const POLL_MS = 5000

function describe (seconds) {
  const over = seconds < 0
  const s = Math.abs(Math.round(seconds))
  const m = Math.floor(s / 60)
  const text = m === 0 ? `${s % 60} s` : `${m} min ${s % 60} s`
  return { text: `${text} ${over ? 'over' : 'left'}`, over }
}

function tick () {
  for (const el of document.querySelectorAll('[data-slot-ends]')) {
    const ends = Date.parse(el.dataset.slotEnds)
    if (Number.isNaN(ends)) continue
    const { text, over } = describe((ends - Date.now()) / 1000)
    if (el.textContent !== text) el.textContent = text
    el.classList.toggle('govuk-tag--red', over)
    el.classList.toggle('govuk-tag--blue', !over)
  }
}

function follow (container) {
  let etag = container.dataset.etag || ''
  let busy = false
  setInterval(async () => {
    if (busy || document.hidden) return
    busy = true
    try {
      const response = await fetch(container.dataset.follow, {
        credentials: 'same-origin',
        cache: 'no-store',
        headers: etag ? { 'If-None-Match': etag } : {}
      })
      if (response.redirected) {
        // Sent somewhere else (a sign-in page): show it as the server means it.
        window.location.reload()
      } else if (response.status === 200) {
        etag = response.headers.get('ETag') || ''
        container.innerHTML = await response.text()
        tick()
      } else if (response.status === 401 || response.status === 403) {
        // Signed out (the idle timeout counts only what people do, not these polls) or no
        // longer allowed: reload to show the server's page for that.
        window.location.reload()
      }
    } catch (e) {
      // Network trouble: try again at the next interval.
    } finally {
      busy = false
    }
  }, POLL_MS)
}

tick()
setInterval(tick, 1000)
const container = document.querySelector('[data-follow]')
if (container) follow(container)
