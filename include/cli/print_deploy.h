/* print_deploy.h: the terminal sink of the deploy library: change tables
 * (or JSON for plan --json), stack events as they come, a live progress
 * line on a terminal, colours, outputs, root causes. stdout is flushed
 * after each event (a CI log streams), and before anything goes to stderr
 * (a log with both reads in order). */
#ifndef LUAFORM_PRINT_DEPLOY_H
#define LUAFORM_PRINT_DEPLOY_H

#include "deploy/event.h"

struct print_deploy {
    int tty;            /* stdout is a terminal: live progress line */
    int color;          /* ANSI colours (a terminal, and NO_COLOR unset) */
    int json;           /* plan --json: the change set as one JSON document */
    int shown;          /* a progress line is on screen */
    int slowed;         /* "polling slowed" was said, in this wait */
    int retained;       /* the retained resources' heading was said */
    char status[64];    /* the status the last operation ended in (DONE, FAILED) */
    int failed;         /* it was DEPLOY_EV_FAILED: an operation ended badly */
};

/* Set up for stdout; returns the sink that prints through p. */
struct deploy_sink print_deploy_init(struct print_deploy *p, int json);

/* Text from the service or the user made safe to print: one line, control
 * characters escaped (err_escape). Valid until the 8th next call; NULL
 * gives "". */
const char *print_text(const char *s);

#endif
