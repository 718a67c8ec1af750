/* http_response.h: filling a response from header lines, for the
 * transport (http.c). struct http_response and its public functions
 * (init, free, header lookup) are in http.h. */
#ifndef LUAFORM_HTTP_RESPONSE_H
#define LUAFORM_HTTP_RESPONSE_H

#include "aws/http.h"

#define HTTP_RESPONSE_ENOMEM (-1)
#define HTTP_RESPONSE_ETOOMANY (-2)   /* more than HTTP_MAX_HEADERS */

/* Free r's headers (a new response began, or the attempt failed). */
void http_response_clear_headers(struct http_response *r);

/* One raw header line as received (len bytes, with its line end): a
 * status line starts the headers over, a line starting with white space
 * continues the last header, other lines with a colon add a header.
 * 0, HTTP_RESPONSE_ENOMEM or HTTP_RESPONSE_ETOOMANY. */
int http_response_header_line(struct http_response *r, const char *p, size_t len);

#endif
