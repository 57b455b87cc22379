/**
 * Live delivery's share of the event loop. Handing a burst's events to
 * hundreds of subscribers is a chain of promise callbacks (an event read,
 * handed on, executed, written to its socket, the next one taken), which
 * Node runs to its end before it looks at a socket again: requests arriving
 * meanwhile waited for the whole burst (a feed query answered in 1.5–2.5 s
 * while 5,000 events went to 200 subscribers). Delivery asks `turnTaken()`
 * before each step, and once it has had the loop for {@link TURN_MS} it waits
 * for the next turn, after Node has handled the I/O that came. (A turn that
 * began in an I/O callback resumes in that same loop iteration's check phase,
 * so the loop may poll for I/O only every other turn: at worst about twice
 * TURN_MS between polls.)
 */

/** How long live delivery may keep the event loop in one turn. */
export const TURN_MS = 5;

let turnStarted = -1;
let waiting: Promise<void> | null = null;

/**
 * A promise to await before the next step when live delivery has had the
 * event loop for long enough in this turn, else null (go on at once).
 */
export function turnTaken(): Promise<void> | null {
  if (waiting) return waiting;
  const now = performance.now();
  if (turnStarted < 0) {
    turnStarted = now;
    // The next check phase comes after the poll for I/O: a new turn starts there.
    setImmediate(() => (turnStarted = -1));
    return null;
  }
  if (now - turnStarted < TURN_MS) return null;
  waiting = new Promise<void>((resolve) =>
    setImmediate(() => {
      waiting = null;
      turnStarted = -1;
      resolve();
    }),
  );
  return waiting;
}
