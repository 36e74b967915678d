/*
 * The version shared by tollgated and the tollgate CLI.
 */

#ifndef TOLLGATE_VERSION_H
#define TOLLGATE_VERSION_H

#define TG_VERSION "0.1.0"

#endif /* TOLLGATE_VERSION_H */
