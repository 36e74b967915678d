/*
 * The settings-file syntax shared by tollgated and the tollgate CLI.
 *
 * One setting per line, "name = value".  Blank lines and lines starting
 * with '#' are ignored.  Spaces around the name and the value are
 * trimmed; a value may be wrapped in double quotes to keep its spaces.
 * Names are [a-z0-9_]+.
 */

#ifndef TOLLGATE_CONF_H
#define TOLLGATE_CONF_H

#include "tollgate/str.h"


/*
 * Called once per setting.  Returns 0 to go on, or a TG_E* value to stop
 * the parse with that error.
 */
typedef int (*tg_conf_handler_pt)(void *data, tg_str_t name, tg_str_t value,
                                  unsigned line);

/*
 * Parses text and calls handler for each setting, in order.  Returns 0;
 * TG_EINVALID on a syntax error, with *line set to its line number; or
 * the handler's error, with *line set to the line it was called for.
 */
int tg_conf_parse(tg_str_t text, tg_conf_handler_pt handler, void *data,
                  unsigned *line);

#endif /* TOLLGATE_CONF_H */
