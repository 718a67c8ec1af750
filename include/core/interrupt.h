/* interrupt.h: Ctrl-C as "stop waiting", not "die". After
 * interrupt_catch(), the first SIGINT sets a flag that every loop which
 * can wait checks (polls, paging, retry backoff, sleeps) and returns
 * through; a second SIGINT ends the process at once.
 *
 *   interrupt_catch();
 *   while (!done) {
 *       poll();
 *       if (interrupt_sleep_ms(1000))
 *           return "interrupted";
 *   }
 */
#ifndef LUAFORM_INTERRUPT_H
#define LUAFORM_INTERRUPT_H

/* Catch SIGINT (once per process is enough; calling it again re-arms). */
void interrupt_catch(void);

/* 1 once Ctrl-C came (after interrupt_catch), else 0. */
int interrupt_pending(void);

/* Sleep ms milliseconds, returning early when Ctrl-C comes. Returns 1
 * when interrupted (also when it already was before the call), else 0. */
int interrupt_sleep_ms(long ms);

#endif
