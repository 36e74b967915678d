/*
 * tollgate up: the whole stack in the foreground.  Starts tollgated,
 * registers the API "default" if it is missing, renders nginx.conf from
 * the repository's template (etc/nginx.conf.in), starts nginx with the
 * Tollgate module, waits until each of its own children listens on its
 * address, prints where they are and an example, and stops both on
 * SIGINT, SIGTERM or SIGHUP, or when either dies.  Meanwhile it polls
 * tollgated's /healthz and says so, once, when the projection the gateway
 * reads starts or stops failing, and prints the gateway's refusals from
 * its access log, one short line each.
 *
 * A child that exits before it is ready is explained (address in use,
 * data directory locked by another process), the other child is stopped,
 * a data directory this run created is removed, and the exit status is
 * not 0.
 *
 * The children run in their own process groups, so a Ctrl-C reaches only
 * this process, which stops them in order: nginx first (it stops taking
 * calls), then tollgated.  Each child also gets SIGTERM from the kernel
 * if this process dies any other way (SIGKILL, a crash): PR_SET_PDEATHSIG.
 *
 * "tollgate reload" makes a running stack re-read its settings: SIGHUP to
 * the tollgated that holds the data directory's lock, and nginx -s reload
 * with the configuration tollgate up rendered.
 */

#define _XOPEN_SOURCE 700 /* nftw() */

#include <arpa/inet.h>
#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tollgate/error.h"
#include "tollgate/str.h"
#include "tollgate/time.h"
#include "cli.h"


#define TG_UP_WAIT_MS  15000
#define TG_UP_TICK_S   1 /* how often the access log is read */
#define TG_UP_HEALTH_S 5 /* how often /healthz is polled */
#define TG_UP_LINE_MAX 8192
#define TG_UP_MODULE   "ngx_http_tollgate_module.so"
#define TG_UP_ECHO     "ngx_http_tollgate_echo_module.so" /* beside it */
#define TG_UP_TEMPLATE "etc/nginx.conf.in"
/* Installed (make install, the package): beside share/tollgate/. */
#define TG_UP_TEMPLATE_INSTALLED "share/tollgate/nginx-up.conf.template"
/* The template's lines of the sample upstream lie between these. */
#define TG_UP_SAMPLE_BEGIN "# sample upstream: begin\n"
#define TG_UP_SAMPLE_END   "# sample upstream: end\n"

/* The longest --redis ADDRESS. */
#define TG_UP_REDIS_MAX 255

typedef struct {
    char data_dir[PATH_MAX];
    char prefix[PATH_MAX]; /* <data-dir>/nginx */
    char conf[PATH_MAX];   /* the nginx.conf used */
    char exe_dir[PATH_MAX];
    char tollgated[PATH_MAX];
    char module[PATH_MAX];
    char echo_module[PATH_MAX];
    int  sample; /* render the sample upstream (no --upstream) */
    char template[PATH_MAX];
    char        upstream[PATH_MAX + 32];
    const char *admin;   /* host:port */
    const char *cacert;  /* https: what verifies tollgated; NULL: http */
    const char *gateway; /* host:port */
    const char *nginx;
    pid_t       tollgated_pid; /* 0 once reaped */
    pid_t       nginx_pid;
    int         made_data_dir; /* this run created the data directory */
    char        access_log[PATH_MAX + 16];   /* "" if unknown (--nginx-conf) */
    off_t       access_off;                  /* how much of it was read */
    char        redis[TG_UP_REDIS_MAX + 32]; /* tollgate_redis ...; or "" */
} tg_up_t;


/* out = a followed by b, or an error if that is longer than PATH_MAX. */
static int
tg_up_join(char *out, const char *a, const char *b)
{
    int n = snprintf(out, PATH_MAX, "%s%s", a, b);

    if (n < 0 || n >= PATH_MAX) {
        return tg_cli_usage_error("path too long: %s%s", a, b);
    }
    return TG_CLI_OK;
}


/* Finds the first of rels (relative to the executable's directory) that
 * can be read; out (PATH_MAX) gets its canonical path. */
static int
tg_up_find(const tg_up_t *up, const char *const *rels, char *out)
{
    char   path[PATH_MAX];
    size_t i;

    for (i = 0; rels[i] != NULL; i++) {
        if (tg_up_join(path, up->exe_dir, "/") == TG_CLI_OK
            && strlen(path) + strlen(rels[i]) < PATH_MAX
            && strcat(path, rels[i]) != NULL && access(path, R_OK) == 0
            && realpath(path, out) != NULL)
        {
            return TG_CLI_OK;
        }
    }
    return TG_CLI_EUSAGE;
}


static int
tg_up_paths(tg_up_t *up, const tg_cli_args_t *a)
{
    /* Beside the build tree's binaries (build/bin, build/asan/bin), then
     * where make install (PREFIX/lib/tollgate) and the package (nginx's
     * modules directory) put them, from PREFIX/bin. */
    static const char *const modules[] = { "../nginx/" TG_UP_MODULE,
                                           "../../nginx/" TG_UP_MODULE,
                                           "../lib/tollgate/" TG_UP_MODULE,
                                           "../lib/nginx/modules/" TG_UP_MODULE,
                                           NULL };
    static const char *const templates[] = { "../../" TG_UP_TEMPLATE,
                                             "../../../" TG_UP_TEMPLATE,
                                             "../" TG_UP_TEMPLATE_INSTALLED,
                                             NULL };
    static const char *const daemons[] = { "tollgated", "../sbin/tollgated",
                                           NULL };
    char                     exe[PATH_MAX];
    const char              *env, *dir = tg_cli_opt(a, "data-dir");
    ssize_t                  n;

    n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0) {
        return tg_cli_usage_error("cannot find my own executable");
    }
    exe[n] = '\0';
    snprintf(up->exe_dir, sizeof(up->exe_dir), "%s", dirname(exe));

    /* tollgated beside this binary (a build tree), or in ../sbin (an
     * installation); if neither, the first, for the error to name. */
    env = getenv("TOLLGATE_TOLLGATED");
    if (env != NULL) {
        snprintf(up->tollgated, sizeof(up->tollgated), "%s", env);
    } else if (tg_up_find(up, daemons, up->tollgated) != TG_CLI_OK
               && tg_up_join(up->tollgated, up->exe_dir, "/tollgated")
                      != TG_CLI_OK)
    {
        return TG_CLI_EUSAGE;
    }

    env = getenv("TOLLGATE_NGINX_MODULE");
    if (env != NULL) {
        snprintf(up->module, sizeof(up->module), "%s", env);
    } else if (tg_up_find(up, modules, up->module) != TG_CLI_OK) {
        return tg_cli_usage_error("cannot find %s near %s (make build)",
                                  TG_UP_MODULE, up->exe_dir);
    }
    snprintf(exe, sizeof(exe), "%s", up->module);
    if (tg_up_join(up->echo_module, dirname(exe), "/" TG_UP_ECHO) != TG_CLI_OK)
    {
        return TG_CLI_EUSAGE;
    }

    /* The sample upstream is a build tree's: an installation has none. */
    up->sample = !tg_cli_has(a, "upstream");
    if (up->sample && !tg_cli_has(a, "nginx-conf")
        && access(up->echo_module, R_OK) != 0)
    {
        return tg_cli_usage_error(
            "the sample upstream (%s) is not installed; give --upstream URL, "
            "the service the gateway is to front (e.g. --upstream "
            "http://127.0.0.1:3000)",
            up->echo_module);
    }

    env = getenv("TOLLGATE_NGINX_TEMPLATE");
    if (env != NULL) {
        snprintf(up->template, sizeof(up->template), "%s", env);
    } else if (!tg_cli_has(a, "nginx-conf")
               && tg_up_find(up, templates, up->template) != TG_CLI_OK)
    {
        return tg_cli_usage_error("cannot find %s near %s", TG_UP_TEMPLATE,
                                  up->exe_dir);
    }

    if (dir == NULL) {
        dir = "./var";
    }
    if (mkdir(dir, 0700) == 0) {
        up->made_data_dir = 1;
    } else if (errno != EEXIST) {
        return tg_cli_usage_error("%s: %s", dir, strerror(errno));
    }
    if (realpath(dir, up->data_dir) == NULL) {
        return tg_cli_usage_error("%s: %s", dir, strerror(errno));
    }
    if (tg_up_join(up->prefix, up->data_dir, "/nginx") != TG_CLI_OK) {
        return TG_CLI_EUSAGE;
    }
    if (mkdir(up->prefix, 0700) != 0 && errno != EEXIST) {
        return tg_cli_usage_error("%s: %s", up->prefix, strerror(errno));
    }
    if (!tg_cli_has(a, "nginx-conf")) {
        snprintf(up->access_log, sizeof(up->access_log), "%s/access.log",
                 up->prefix);
    }

    if (tg_cli_has(a, "upstream")) {
        snprintf(up->upstream, sizeof(up->upstream), "%s",
                 tg_cli_opt(a, "upstream"));
    } else {
        snprintf(up->upstream, sizeof(up->upstream),
                 "http://unix:%s/echo.sock:", up->prefix);
    }
    return TG_CLI_OK;
}


/*
 * Starts argv in its own process group, with the signals unblocked, and
 * with SIGTERM from the kernel when this process dies, however it dies.
 */
static pid_t
tg_up_spawn(char *const argv[])
{
    sigset_t none;
    pid_t    parent = getpid(), pid;

    pid = fork();
    if (pid == 0) {
        setpgid(0, 0);
        if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != parent) {
            _exit(127); /* the parent is gone already */
        }
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        execv(argv[0], argv);
        fprintf(stderr, "tollgate: cannot run %s: %s\n", argv[0],
                strerror(errno));
        _exit(127);
    }
    return pid;
}


/* Splits "host:port" into an IPv4 address. */
static int
tg_up_addr(const char *listen, struct sockaddr_in *sin)
{
    const char *colon = strrchr(listen, ':');
    char        host[64];
    size_t      len;

    if (colon == NULL || (len = (size_t) (colon - listen)) >= sizeof(host)) {
        return TG_CLI_EUSAGE;
    }
    memcpy(host, listen, len);
    host[len] = '\0';
    if (strcmp(host, "0.0.0.0") == 0 || len == 0) {
        strcpy(host, "127.0.0.1");
    }

    memset(sin, 0, sizeof(*sin));
    sin->sin_family = AF_INET;
    sin->sin_port = htons((uint16_t) atoi(colon + 1));
    if (atoi(colon + 1) <= 0 || inet_pton(AF_INET, host, &sin->sin_addr) != 1) {
        return TG_CLI_EUSAGE;
    }
    return TG_CLI_OK;
}


/* Discards a response body. */
static size_t
tg_up_discard(char *ptr, size_t size, size_t n, void *data)
{
    (void) ptr;
    (void) data;
    return size * n;
}


/*
 * Whether an HTTP server answers on host:port.  A bare TCP accept is not
 * enough: a port that another program holds for a moment (a test probing
 * for a free port, say) accepts connections but answers nothing.
 */
/* Points c at path on listen: over https trusting cacert, or http. */
static void
tg_up_target(CURL *c, const char *listen, const char *cacert, const char *path)
{
    char url[192];

    snprintf(url, sizeof(url), "%s://%s%s", cacert != NULL ? "https" : "http",
             listen, path);
    curl_easy_setopt(c, CURLOPT_URL, url);
    if (cacert != NULL) {
        curl_easy_setopt(c, CURLOPT_CAINFO, cacert);
    }
}


static int
tg_up_answers(const char *listen, const char *cacert)
{
    CURL *c;
    int   ok;

    c = curl_easy_init();
    if (c == NULL) {
        return 0;
    }
    tg_up_target(c, listen, cacert, "/");
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 1000L);
    curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, tg_up_discard);
    ok = curl_easy_perform(c) == CURLE_OK;
    curl_easy_cleanup(c);
    return ok;
}


/* Keeps a response body, up to a limit (callback of curl). */
static size_t
tg_up_keep(char *ptr, size_t size, size_t n, void *data)
{
    tg_buf_t *b = data;

    if (b->len + size * n > 65536 || tg_buf_append(b, ptr, size * n) != 0) {
        return 0;
    }
    return size * n;
}


/*
 * Whether tollgated on listen reports its projection failing: 1 with the
 * error in msg, 0 if not, -1 if it cannot tell (no answer, say).
 */
static int
tg_up_projection_failing(const char *listen, const char *cacert, char *msg,
                         size_t size)
{
    tg_buf_t     body = TG_BUF_INIT;
    json_t      *root;
    const char  *error = NULL;
    CURL        *c;
    long         status = 0;
    json_error_t jerr;
    int          rc = -1;

    c = curl_easy_init();
    if (c == NULL) {
        return -1;
    }
    tg_up_target(c, listen, cacert, "/healthz");
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 2000L);
    curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, tg_up_keep);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
    if (curl_easy_perform(c) == CURLE_OK) {
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    }
    curl_easy_cleanup(c);

    root = status == 200 || status == 503
               ? json_loadb(body.ptr, body.len, 0, &jerr)
               : NULL;
    if (root != NULL) {
        rc = json_unpack(root, "{s:{s:{s:s}}}", "projection", "error",
                         "message", &error)
                     == 0
                 ? 1
                 : 0;
        snprintf(msg, size, "%s", rc == 1 ? error : "");
        json_decref(root);
    }
    tg_buf_free(&body);
    return rc;
}


/* Says when the projection starts or stops failing; *failing is what
 * was said last. */
static void
tg_up_check_health(const tg_up_t *up, int *failing)
{
    char msg[512];
    int now = tg_up_projection_failing(up->admin, up->cacert, msg, sizeof(msg));

    if (now == 1 && *failing != 1) {
        fprintf(stderr,
                "tollgate: the projection is failing: %s; tollgated keeps "
                "the writes, the gateway refuses calls once its data is "
                "stale (see %s://%s/healthz)\n",
                msg, up->cacert != NULL ? "https" : "http", up->admin);
    } else if (now == 0 && *failing == 1) {
        fprintf(stderr, "tollgate: the projection is current again\n");
    }
    if (now >= 0) {
        *failing = now;
    }
}


/*
 * Whether *pid still runs; once it has exited, reaps it, sets *pid to 0
 * and its wait status in *status (may be NULL).
 */
static int
tg_up_alive(pid_t *pid, int *status)
{
    int st = 0;

    if (*pid <= 0) {
        return 0;
    }
    if (waitpid(*pid, &st, WNOHANG) == 0) {
        return 1;
    }
    *pid = 0;
    if (status != NULL) {
        *status = st;
    }
    return 0;
}


/*
 * Adds to inodes[n..max) the inodes of the sockets in LISTEN state on
 * port that the kernel's table at path (/proc/net/tcp, tcp6) lists.
 * Returns the new count.
 */
static size_t
tg_up_listeners(const char *path, unsigned port, unsigned long *inodes,
                size_t n, size_t max)
{
    char          line[512], local[128];
    const char   *colon;
    unsigned      state;
    unsigned long inode;
    FILE         *f;

    f = fopen(path, "re");
    if (f == NULL) {
        return n;
    }
    /* sl local rem st tx:rx tr:when retrnsmt uid timeout inode ... (the
     * header line does not scan) */
    while (n < max && fgets(line, sizeof(line), f) != NULL) {
        if (sscanf(line, " %*s %127s %*s %x %*s %*s %*s %*s %*s %lu", local,
                   &state, &inode)
                == 3
            && state == 0x0A && (colon = strrchr(local, ':')) != NULL
            && strtoul(colon + 1, NULL, 16) == port)
        {
            inodes[n++] = inode;
        }
    }
    fclose(f);
    return n;
}


/*
 * Whether process pid itself holds a socket listening on listen's port:
 * that something answers there says nothing of who does.
 */
static int
tg_up_listens(pid_t pid, const char *listen)
{
    unsigned long  inodes[64], inode;
    const char    *colon = strrchr(listen, ':');
    char           dir[64], path[128], link[64];
    struct dirent *e;
    ssize_t        len;
    size_t         n, i;
    DIR           *d;
    int            found = 0;

    if (colon == NULL || pid <= 0) {
        return 0;
    }
    n = tg_up_listeners("/proc/net/tcp", (unsigned) atoi(colon + 1), inodes, 0,
                        64);
    n = tg_up_listeners("/proc/net/tcp6", (unsigned) atoi(colon + 1), inodes, n,
                        64);
    if (n == 0) {
        return 0;
    }

    snprintf(dir, sizeof(dir), "/proc/%ld/fd", (long) pid);
    d = opendir(dir);
    if (d == NULL) {
        return 0;
    }
    while (!found && (e = readdir(d)) != NULL) {
        snprintf(path, sizeof(path), "%s/%.32s", dir, e->d_name);
        len = readlink(path, link, sizeof(link) - 1);
        if (len <= 0) {
            continue;
        }
        link[len] = '\0';
        if (sscanf(link, "socket:[%lu]", &inode) != 1) {
            continue;
        }
        for (i = 0; i < n; i++) {
            found |= inodes[i] == inode;
        }
    }
    closedir(d);
    return found;
}


/*
 * The process that holds the data directory's lock (tollgated writes its
 * PID into the file): its PID, -1 if the lock is held by a process that
 * did not write one, 0 if the lock is free.
 */
static long
tg_up_lock_holder(const char *data_dir)
{
    char    path[PATH_MAX + 8], text[32];
    ssize_t n;
    long    pid = 0;
    int     fd;

    snprintf(path, sizeof(path), "%s/lock", data_dir);
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        return 0;
    }
    if (flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK) {
        n = pread(fd, text, sizeof(text) - 1, 0);
        text[n > 0 ? n : 0] = '\0';
        pid = strtol(text, NULL, 10);
        if (pid <= 0) {
            pid = -1;
        }
    }
    close(fd); /* and a lock taken here with it */
    return pid;
}


/* Whether another program holds listen's address. */
static int
tg_up_in_use(const char *listen)
{
    struct sockaddr_in sin;
    int                fd, on = 1, used;

    if (tg_up_addr(listen, &sin) != TG_CLI_OK) {
        return 0;
    }
    fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return 0;
    }
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
    used = bind(fd, (struct sockaddr *) &sin, sizeof(sin)) != 0
           && errno == EADDRINUSE;
    close(fd);
    return used;
}


/* Says why child what, which was to listen on listen, exited early. */
static void
tg_up_explain(const tg_up_t *up, const char *what, const char *listen,
              int status)
{
    long holder = 0;

    if (strcmp(what, "tollgated") == 0) {
        holder = tg_up_lock_holder(up->data_dir);
    }
    if (holder > 0) {
        fprintf(stderr,
                "tollgate: tollgated did not start: the data directory %s "
                "is locked by PID %ld (another tollgated; is a tollgate up "
                "running there already?)\n",
                up->data_dir, holder);
    } else if (holder < 0) {
        fprintf(stderr,
                "tollgate: tollgated did not start: another process holds "
                "the lock of the data directory %s\n",
                up->data_dir);
    } else if (tg_up_in_use(listen)) {
        fprintf(stderr,
                "tollgate: %s did not start: the address %s is in use by "
                "another program (choose another with --%s-listen)\n",
                what, listen,
                strcmp(what, "tollgated") == 0 ? "admin" : "gateway");
    } else if (WIFSIGNALED(status)) {
        fprintf(stderr, "tollgate: %s did not start: killed by signal %d\n",
                what, WTERMSIG(status));
    } else {
        fprintf(stderr,
                "tollgate: %s did not start: it exited with status %d (its "
                "messages are above)\n",
                what, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    }
}


/*
 * Waits until child *pid listens on listen, and if http, answers HTTP
 * there (nginx is not asked: a probe would be a refusal in its access
 * log).  If it exits first, or takes too long, says why and returns
 * TG_CLI_ESERVER.
 */
static int
tg_up_wait(const tg_up_t *up, const char *what, const char *listen, pid_t *pid,
           int http)
{
    struct sockaddr_in sin;
    struct timespec    pause = { 0, 20 * 1000 * 1000 };
    int64_t            deadline = tg_time_now_ms() + TG_UP_WAIT_MS;
    int                status = 0;

    if (tg_up_addr(listen, &sin) != TG_CLI_OK) {
        return tg_cli_usage_error("%s: expected IPv4 host:port, not \"%s\"",
                                  what, listen);
    }
    for (;;) {
        if (!tg_up_alive(pid, &status)) {
            tg_up_explain(up, what, listen, status);
            return TG_CLI_ESERVER;
        }
        if (tg_up_listens(*pid, listen)
            && (!http || tg_up_answers(listen, up->cacert))) {
            return TG_CLI_OK;
        }
        if (tg_time_now_ms() > deadline) {
            fprintf(stderr,
                    "tollgate: %s did not start: it is not listening on %s "
                    "after %d s%s\n",
                    what, listen, TG_UP_WAIT_MS / 1000,
                    tg_up_in_use(listen) ? " (another program holds it)" : "");
            return TG_CLI_ESERVER;
        }
        nanosleep(&pause, NULL);
    }
}


/*
 * On a first start, tollgated answers before it has written the first
 * admin key (the file records the port it bound, and takes its name once
 * the key is committed): waits a little for the file while tollgated
 * lives, unless the bootstrap key comes from the environment.
 */
static void
tg_up_wait_key(const char *path, pid_t *pid)
{
    struct timespec pause = { 0, 20 * 1000 * 1000 };
    int64_t         deadline = tg_time_now_ms() + TG_UP_WAIT_MS;

    while (access(path, R_OK) != 0
           && getenv("TOLLGATE_ADMIN_ACCESS_KEY_ID") == NULL
           && tg_up_alive(pid, NULL) && tg_time_now_ms() < deadline)
    {
        nanosleep(&pause, NULL);
    }
}


/*
 * Registers the API "default" unless it exists, with the access key the
 * CLI was given, else the data directory's first admin key, else the
 * bootstrap key in the environment.
 */
static int
tg_up_register(tg_cli_t *cli, tg_up_t *up)
{
    char    path[PATH_MAX + 32], endpoint[128];
    json_t *body, *api = NULL;
    int     rc;

    snprintf(endpoint, sizeof(endpoint), "%s://%s",
             up->cacert != NULL ? "https" : "http", up->admin);
    if (cli->key_id == NULL) {
        snprintf(path, sizeof(path), "%s/admin-access-key", up->data_dir);
        tg_up_wait_key(path, &up->tollgated_pid);
        if (access(path, R_OK) == 0) {
            rc = tg_cli_load_config(cli, path);
            if (rc != TG_CLI_OK) {
                return rc;
            }
        } else if (getenv("TOLLGATE_ADMIN_ACCESS_KEY_ID") != NULL) {
            cli->key_id = strdup(getenv("TOLLGATE_ADMIN_ACCESS_KEY_ID"));
            cli->key_secret =
                strdup(getenv("TOLLGATE_ADMIN_ACCESS_KEY_SECRET") != NULL
                           ? getenv("TOLLGATE_ADMIN_ACCESS_KEY_SECRET")
                           : "");
        }
    }
    free(cli->endpoint);
    cli->endpoint = strdup(endpoint);
    if (cli->endpoint == NULL) {
        return tg_cli_nomem();
    }

    cli->quiet = 1;
    rc = tg_cli_call(cli, "GET", "/v1/apis/default", NULL, &api);
    cli->quiet = 0;
    json_decref(api);
    if (rc == TG_CLI_OK || cli->status != 404) {
        return rc;
    }

    body = json_pack("{s:s,s:s}", "name", "default", "description",
                     "every path of the gateway (tollgate up)");
    if (body == NULL) {
        return tg_cli_nomem();
    }
    rc = tg_cli_call(cli, "POST", "/v1/apis", body, NULL);
    json_decref(body);
    if (rc == TG_CLI_OK) {
        printf("registered the API \"default\"\n");
    }
    return rc;
}


/* Appends text to out without the lines from each TG_UP_SAMPLE_BEGIN to
 * its TG_UP_SAMPLE_END, both included. */
static int
tg_up_drop_sample(tg_str_t text, tg_buf_t *out)
{
    const char *p = text.ptr, *end = text.ptr + text.len, *nl;
    int         inside = 0, rc = TG_OK;
    size_t      n;

    while (p < end && rc == TG_OK) {
        nl = memchr(p, '\n', (size_t) (end - p));
        n = nl != NULL ? (size_t) (nl - p) + 1 : (size_t) (end - p);
        if (n == strlen(TG_UP_SAMPLE_BEGIN)
            && memcmp(p, TG_UP_SAMPLE_BEGIN, n) == 0) {
            inside = 1;
        } else if (n == strlen(TG_UP_SAMPLE_END)
                   && memcmp(p, TG_UP_SAMPLE_END, n) == 0) {
            inside = 0;
        } else if (!inside) {
            rc = tg_buf_append(out, p, n);
        }
        p += n;
    }
    return rc;
}


/* Replaces every "@NAME@" of text with its value into out. */
static int
tg_up_render_text(tg_str_t text, const char *const (*vars)[2], tg_buf_t *out)
{
    size_t i = 0, k, n;
    int    rc = TG_OK;

    while (i < text.len && rc == TG_OK) {
        for (k = 0; vars[k][0] != NULL; k++) {
            n = strlen(vars[k][0]);
            if (text.len - i >= n && memcmp(text.ptr + i, vars[k][0], n) == 0) {
                break;
            }
        }
        if (vars[k][0] != NULL) {
            rc = tg_buf_append_c(out, vars[k][1]);
            i += strlen(vars[k][0]);
        } else {
            rc = tg_buf_append(out, text.ptr + i, 1);
            i++;
        }
    }
    return rc;
}


static int
tg_up_render(tg_up_t *up)
{
    const char *const vars[][2] = {
        { "@MODULE@", up->module },
        { "@ECHO_MODULE@", up->echo_module },
        { "@USER@", geteuid() == 0 ? "user root root;" : "" },
        { "@PREFIX@", up->prefix },
        { "@DATA_DIR@", up->data_dir },
        { "@GATEWAY_LISTEN@", up->gateway },
        { "@UPSTREAM@", up->upstream },
        { "@REDIS@", up->redis },
        { NULL, NULL },
    };
    tg_buf_t in = TG_BUF_INIT, kept = TG_BUF_INIT, out = TG_BUF_INIT;
    char     chunk[4096];
    FILE    *f;
    size_t   n;
    int      rc = TG_CLI_OK;

    f = fopen(up->template, "r");
    if (f == NULL) {
        return tg_cli_usage_error("%s: %s", up->template, strerror(errno));
    }
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        if (tg_buf_append(&in, chunk, n) != TG_OK) {
            rc = tg_cli_nomem();
            break;
        }
    }
    fclose(f);

    if (rc == TG_CLI_OK
        && tg_up_join(up->conf, up->prefix, "/nginx.conf") != TG_CLI_OK)
    {
        rc = TG_CLI_EUSAGE;
    }
    if (rc == TG_CLI_OK && !up->sample
        && tg_up_drop_sample(tg_buf_str(&in), &kept) != TG_OK)
    {
        rc = tg_cli_nomem();
    }
    if (rc == TG_CLI_OK
        && tg_up_render_text(up->sample ? tg_buf_str(&in) : tg_buf_str(&kept),
                             vars, &out)
               != TG_OK)
    {
        rc = tg_cli_nomem();
    }
    if (rc == TG_CLI_OK) {
        f = fopen(up->conf, "w");
        if (f == NULL || fwrite(out.ptr, 1, out.len, f) != out.len) {
            rc = tg_cli_usage_error("%s: %s", up->conf, strerror(errno));
        }
        if (f != NULL && fclose(f) != 0 && rc == TG_CLI_OK) {
            rc = tg_cli_usage_error("%s: %s", up->conf, strerror(errno));
        }
    }

    tg_buf_free(&in);
    tg_buf_free(&kept);
    tg_buf_free(&out);
    return rc;
}


/* Stops a child with sig, and waits for it (SIGKILL after 10 s). */
static int
tg_up_stop(pid_t *pid, int sig)
{
    struct timespec pause = { 0, 20 * 1000 * 1000 };
    int64_t         deadline = tg_time_now_ms() + 10000;
    int             status = 0;

    if (*pid <= 0) {
        return 0;
    }
    kill(*pid, sig);
    while (waitpid(*pid, &status, WNOHANG) == 0) {
        if (tg_time_now_ms() > deadline) {
            kill(*pid, SIGKILL);
            waitpid(*pid, &status, 0);
            *pid = 0;
            return -1;
        }
        nanosleep(&pause, NULL);
    }
    *pid = 0;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}


static int
tg_up_unlink(const char *path, const struct stat *st, int flag, struct FTW *f)
{
    (void) st;
    (void) flag;
    (void) f;
    return remove(path) != 0 ? -1 : 0;
}


/* After a failed start: stops what runs, and removes the data directory
 * if this run created it (nothing of value is in it yet). */
static void
tg_up_abandon(tg_up_t *up)
{
    tg_up_stop(&up->nginx_pid, SIGQUIT);
    tg_up_stop(&up->tollgated_pid, SIGTERM);
    if (up->made_data_dir
        && nftw(up->data_dir, tg_up_unlink, 16, FTW_DEPTH | FTW_PHYS) == 0)
    {
        fprintf(stderr, "tollgate: removed %s, which this start created\n",
                up->data_dir);
    }
}


/*
 * Prints one access log line (etc/nginx.conf.in's log_format) if it is a
 * refusal, as "gateway: STATUS METHOD URI (SCHEME): MESSAGE":
 *     ADDR [TIME] "METHOD URI" STATUS SCHEME APP_ID "MESSAGE"
 */
static void
tg_up_refusal(char *line)
{
    char *request, *end, *scheme, *message;
    long  status;

    request = strchr(line, '"');
    end = request != NULL ? strstr(request + 1, "\" ") : NULL;
    if (end == NULL) {
        return;
    }
    *end = '\0';
    status = strtol(end + 2, &scheme, 10);
    if (status < 400 || *scheme != ' ') {
        return;
    }
    scheme++;
    message = strchr(scheme, '"');
    if (message == NULL) {
        return;
    }
    scheme[strcspn(scheme, " ")] = '\0';
    message[strcspn(message + 1, "\"") + 1] = '\0';
    printf("gateway: %ld %s (%s): %.200s\n", status, request + 1, scheme,
           message[1] != '\0' ? message + 1 : "-");
}


/* Shows the refusals the access log gained since the last call. */
static void
tg_up_show_refusals(tg_up_t *up)
{
    char        buf[TG_UP_LINE_MAX];
    struct stat st;
    ssize_t     n;
    char       *line, *nl;
    int         fd;

    if (up->access_log[0] == '\0') {
        return;
    }
    fd = open(up->access_log, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return;
    }
    if (fstat(fd, &st) == 0 && st.st_size < up->access_off) {
        up->access_off = 0; /* rotated or truncated */
    }
    while ((n = pread(fd, buf, sizeof(buf) - 1, up->access_off)) > 0) {
        buf[n] = '\0';
        nl = strrchr(buf, '\n');
        if (nl == NULL && (size_t) n < sizeof(buf) - 1) {
            break; /* a line still being written */
        }
        up->access_off += nl != NULL ? nl + 1 - buf : n;
        for (line = buf; nl != NULL && line <= nl; line += strlen(line) + 1) {
            line[strcspn(line, "\n")] = '\0';
            tg_up_refusal(line);
        }
    }
    close(fd);
    fflush(stdout);
}


/* From now on, only the refusals logged after this call are shown. */
static void
tg_up_skip_refusals(tg_up_t *up)
{
    struct stat st;

    if (up->access_log[0] != '\0' && stat(up->access_log, &st) == 0) {
        up->access_off = st.st_size;
    }
}


static void
tg_up_banner(const tg_up_t *up, const tg_cli_args_t *a)
{
    char logs[2 * PATH_MAX + 32], refusals[PATH_MAX + 64];

    if (tg_cli_has(a, "nginx-conf")) {
        snprintf(logs, sizeof(logs), "where %s says", up->conf);
        snprintf(refusals, sizeof(refusals), "in the access log %s names",
                 up->conf);
    } else {
        snprintf(logs, sizeof(logs), "%s/error.log", up->prefix);
        snprintf(refusals, sizeof(refusals),
                 "shown here, one line each; every call: %s", up->access_log);
    }
    printf("\nTollgate is up.\n"
           "  gateway   http://%s   (nginx; config %s)\n"
           "  admin     %s://%s   (tollgated; data %s)\n"
           "  admin key %s/admin-access-key\n"
           "  upstream  %s\n"
           "  logs      tollgated: this terminal; nginx: %s\n"
           "  refusals  %s\n\n"
           "Try it, in another terminal:\n"
           "  export TOLLGATE_CLI_CONFIG=%s/admin-access-key%s%s\n"
           "  %s/tollgate app create demo\n"
           "  %s/tollgate grant add demo default\n"
           "  %s/tollgate sign --app demo http://%s/hello?name=world\n\n"
           "Ctrl-C stops both.\n",
           up->gateway, up->conf, up->cacert != NULL ? "https" : "http",
           up->admin, up->data_dir, up->data_dir,
           tg_cli_has(a, "upstream") ? up->upstream
                                     : "the sample echo (answers with the "
                                       "request it received)",
           logs, refusals, up->data_dir,
           up->cacert != NULL ? "\n  export TOLLGATE_CACERT=" : "",
           up->cacert != NULL ? up->cacert : "", up->exe_dir, up->exe_dir,
           up->exe_dir, up->gateway);
    printf("The web console: %s://%s/console/ (sign in with the admin "
           "key)\n",
           up->cacert != NULL ? "https" : "http", up->admin);
    fflush(stdout);
}


/* Waits for a signal or a child's death; returns the exit status. */
static int
tg_up_supervise(tg_up_t *up, const sigset_t *set)
{
    struct timespec tick = { TG_UP_TICK_S, 0 };
    int             sig, rc = TG_CLI_OK, failing = 0, ticks = 0, status = 0;
    const char     *dead = NULL;

    tg_up_skip_refusals(up);
    for (;;) {
        sig = sigtimedwait(set, NULL, &tick);
        tg_up_show_refusals(up);
        if (sig < 0 && errno == EAGAIN) {
            if (++ticks % (TG_UP_HEALTH_S / TG_UP_TICK_S) == 0) {
                tg_up_check_health(up, &failing);
            }
            continue;
        }
        if (sig < 0) {
            continue;
        }
        if (sig != SIGCHLD) {
            printf("stopping (%s)\n", sig == SIGINT    ? "SIGINT"
                                      : sig == SIGTERM ? "SIGTERM"
                                                       : "SIGHUP");
            fflush(stdout);
            break;
        }
        if (!tg_up_alive(&up->nginx_pid, &status)) {
            dead = "nginx";
        } else if (!tg_up_alive(&up->tollgated_pid, &status)) {
            dead = "tollgated";
        }
        if (dead != NULL) {
            fprintf(stderr, "tollgate: %s exited (%s %d); stopping\n", dead,
                    WIFSIGNALED(status) ? "signal" : "status",
                    WIFSIGNALED(status) ? WTERMSIG(status)
                                        : WEXITSTATUS(status));
            rc = TG_CLI_ESERVER;
            break;
        }
    }

    if (tg_up_stop(&up->nginx_pid, SIGQUIT) != 0 && rc == TG_CLI_OK) {
        rc = TG_CLI_ESERVER;
    }
    if (tg_up_stop(&up->tollgated_pid, SIGTERM) != 0 && rc == TG_CLI_OK) {
        rc = TG_CLI_ESERVER;
    }
    tg_up_show_refusals(up);
    return rc;
}


/*
 * Passes the TLS options on to tollgated, from argv[n] on; returns the
 * next free slot, or -1 (after a message) on a bad combination.  Over
 * https, tollgate up trusts the CLI's --cacert, else the certificate
 * itself (as a trust anchor: it must name the admin-listen host).
 */
static int
tg_up_tls_args(tg_cli_t *cli, tg_cli_args_t *a, tg_up_t *up, char **argv, int n)
{
    static const char *const names[] = { "tls-cert", "tls-key", "require-tls" };
    static const char *const flags[] = { "--tls-cert", "--tls-key",
                                         "--require-tls" };
    size_t                   i;

    if (tg_cli_has(a, "tls-cert") != tg_cli_has(a, "tls-key")) {
        tg_cli_usage_error("--tls-cert and --tls-key go together");
        return -1;
    }
    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (tg_cli_has(a, names[i])) {
            argv[n++] = (char *) flags[i];
            argv[n++] = (char *) tg_cli_opt(a, names[i]);
        }
    }
    if (tg_cli_has(a, "tls-cert")) {
        up->cacert =
            cli->cacert != NULL ? cli->cacert : tg_cli_opt(a, "tls-cert");
        if (cli->cacert == NULL) {
            cli->cacert = strdup(up->cacert);
            if (cli->cacert == NULL) {
                tg_cli_nomem();
                return -1;
            }
        }
    }
    return n;
}


/*
 * --redis ADDRESS: the gateway's tollgate_redis directive (the per-app
 * rate limits and X-Ca nonces in a Redis the nodes share; docs/gateway.md),
 * rendered into the template.  The address (host[:port] or unix:/path)
 * goes into nginx.conf as it is: only the characters of a host name, an
 * IPv4 or bracketed IPv6 address, a port and a path, so that it cannot end
 * the directive.
 */
static int
tg_up_redis(const tg_cli_args_t *a, tg_up_t *up)
{
    const char *addr;
    size_t      len;

    if (!tg_cli_has(a, "redis")) {
        return TG_CLI_OK;
    }
    addr = tg_cli_opt(a, "redis");
    if (tg_cli_has(a, "nginx-conf")) {
        return tg_cli_usage_error("--redis is rendered into the template; with "
                                  "--nginx-conf, write tollgate_redis there");
    }
    len = strlen(addr);
    if (len == 0 || len > TG_UP_REDIS_MAX
        || strspn(addr, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                        "0123456789.-_:[]/")
               != len)
    {
        return tg_cli_usage_error("--redis: host[:port] or unix:/path, not "
                                  "\"%s\"",
                                  addr);
    }
    snprintf(up->redis, sizeof(up->redis), "tollgate_redis %s;", addr);
    return TG_CLI_OK;
}


static int
tg_up_run(tg_cli_t *cli, tg_cli_args_t *a)
{
    tg_up_t  up;
    sigset_t set, old;
    char    *targv[14], *nargv[6];
    int      rc, n;

    memset(&up, 0, sizeof(up));
    up.admin = tg_cli_has(a, "admin-listen") ? tg_cli_opt(a, "admin-listen")
                                             : "127.0.0.1:9080";
    up.gateway = tg_cli_has(a, "gateway-listen")
                     ? tg_cli_opt(a, "gateway-listen")
                     : "127.0.0.1:8080";
    up.nginx =
        tg_cli_has(a, "nginx") ? tg_cli_opt(a, "nginx") : "/usr/sbin/nginx";

    rc = tg_up_paths(&up, a);
    if (rc == TG_CLI_OK) {
        rc = tg_up_redis(a, &up);
    }
    if (rc != TG_CLI_OK) {
        return rc;
    }

    /* Taken in tg_up_supervise() only; SIGHUP too: a closed terminal
     * stops the stack rather than orphaning it. */
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGCHLD);
    sigprocmask(SIG_BLOCK, &set, &old);

    targv[0] = up.tollgated;
    targv[1] = "--data-dir";
    targv[2] = up.data_dir;
    targv[3] = "--listen";
    targv[4] = (char *) up.admin;
    n = tg_up_tls_args(cli, a, &up, targv, 5);
    if (n < 0) {
        return TG_CLI_EUSAGE;
    }
    if (tg_cli_has(a, "store")) {
        targv[n++] = "--store";
        targv[n++] = (char *) tg_cli_opt(a, "store");
    }
    targv[n] = NULL;
    up.tollgated_pid = tg_up_spawn(targv);
    rc = up.tollgated_pid > 0 ? TG_CLI_OK : TG_CLI_ESERVER;

    if (rc == TG_CLI_OK) {
        rc = tg_up_wait(&up, "tollgated", up.admin, &up.tollgated_pid, 1);
    }
    if (rc == TG_CLI_OK) {
        rc = tg_up_register(cli, &up);
    }
    if (rc == TG_CLI_OK && tg_cli_has(a, "nginx-conf")) {
        if (realpath(tg_cli_opt(a, "nginx-conf"), up.conf) == NULL) {
            rc = tg_cli_usage_error("%s: %s", tg_cli_opt(a, "nginx-conf"),
                                    strerror(errno));
        }
    } else if (rc == TG_CLI_OK) {
        rc = tg_up_render(&up);
    }
    if (rc == TG_CLI_OK) {
        nargv[0] = (char *) up.nginx;
        nargv[1] = "-c";
        nargv[2] = up.conf;
        nargv[3] = "-p";
        nargv[4] = up.prefix;
        nargv[5] = NULL;
        up.nginx_pid = tg_up_spawn(nargv);
        rc = up.nginx_pid > 0 ? TG_CLI_OK : TG_CLI_ESERVER;
    }
    if (rc == TG_CLI_OK) {
        rc = tg_up_wait(&up, "nginx", up.gateway, &up.nginx_pid, 0);
    }

    if (rc == TG_CLI_OK) {
        tg_up_banner(&up, a);
        rc = tg_up_supervise(&up, &set);
    } else {
        tg_up_abandon(&up);
    }

    sigprocmask(SIG_SETMASK, &old, NULL);
    return rc;
}


/*
 * tollgate reload: SIGHUP to the tollgated holding the data directory
 * (it re-reads its live settings and reopens its log file), then
 * nginx -s reload with the configuration tollgate up used.
 */
static int
tg_reload_run(tg_cli_t *cli, tg_cli_args_t *a)
{
    const char *dir = tg_cli_opt(a, "data-dir"), *conf_opt;
    const char *nginx =
        tg_cli_has(a, "nginx") ? tg_cli_opt(a, "nginx") : "/usr/sbin/nginx";
    char  data_dir[PATH_MAX], prefix[PATH_MAX + 8], conf[PATH_MAX + 32];
    char *nargv[8];
    pid_t pid;
    long  holder;
    int   status = 0;

    (void) cli;
    if (dir == NULL) {
        dir = "./var";
    }
    if (realpath(dir, data_dir) == NULL) {
        return tg_cli_usage_error("%s: %s", dir, strerror(errno));
    }

    holder = tg_up_lock_holder(data_dir);
    if (holder == 0) {
        fprintf(stderr, "tollgate: no tollgated runs on %s\n", data_dir);
        return TG_CLI_ETRANSPORT;
    }
    if (holder < 0 || kill((pid_t) holder, SIGHUP) != 0) {
        fprintf(stderr, "tollgate: cannot signal the tollgated of %s: %s\n",
                data_dir,
                holder < 0 ? "its lock file names no PID" : strerror(errno));
        return TG_CLI_ESERVER;
    }
    printf("tollgated (PID %ld): reloading its settings, reopening its log\n",
           holder);

    snprintf(prefix, sizeof(prefix), "%s/nginx", data_dir);
    conf_opt = tg_cli_opt(a, "nginx-conf");
    snprintf(conf, sizeof(conf), "%s", conf_opt != NULL ? conf_opt : "");
    if (conf_opt == NULL) {
        snprintf(conf, sizeof(conf), "%s/nginx.conf", prefix);
        if (access(conf, R_OK) != 0) {
            return TG_CLI_OK; /* tollgated alone, without tollgate up */
        }
    }

    nargv[0] = (char *) nginx;
    nargv[1] = "-c";
    nargv[2] = conf;
    nargv[3] = "-p";
    nargv[4] = prefix;
    nargv[5] = "-s";
    nargv[6] = "reload";
    nargv[7] = NULL;
    pid = tg_up_spawn(nargv);
    if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status)
        || WEXITSTATUS(status) != 0)
    {
        fprintf(stderr, "tollgate: nginx -s reload with %s failed\n", conf);
        return TG_CLI_ESERVER;
    }
    printf("nginx: reloading %s\n", conf);
    return TG_CLI_OK;
}


static const tg_cli_opt_t tg_up_opts[] = {
    { "data-dir", TG_OPT_VALUE, "DIR", "tollgated's data (default ./var)" },
    { "admin-listen", TG_OPT_VALUE, "HOST:PORT",
      "the management API (default 127.0.0.1:9080)" },
    { "gateway-listen", TG_OPT_VALUE, "HOST:PORT",
      "the gateway (default 127.0.0.1:8080)" },
    { "upstream", TG_OPT_VALUE, "URL",
      "the backend (default: the sample echo)" },
    { "nginx-conf", TG_OPT_VALUE, "FILE",
      "use this nginx.conf instead of rendering the template" },
    { "nginx", TG_OPT_VALUE, "PATH",
      "the nginx binary (default /usr/sbin/nginx)" },
    { "tls-cert", TG_OPT_VALUE, "FILE",
      "tollgated serves HTTPS with this PEM certificate" },
    { "tls-key", TG_OPT_VALUE, "FILE", "and this PEM private key" },
    { "require-tls", TG_OPT_VALUE, "on|off",
      "plain HTTP only from loopback (tollgated's default on)" },
    { "store", TG_OPT_VALUE, "URL",
      "tollgated's store: a postgres:// URL (default SQLite in DIR)" },
    { "redis", TG_OPT_VALUE, "ADDRESS",
      "the gateway's rate limits and nonces in this Redis (tollgate_redis)" },
    { NULL, 0, NULL, NULL },
};

static const tg_cli_opt_t tg_reload_opts[] = {
    { "data-dir", TG_OPT_VALUE, "DIR", "tollgated's data (default ./var)" },
    { "nginx-conf", TG_OPT_VALUE, "FILE",
      "the nginx.conf nginx runs with (default DIR/nginx/nginx.conf)" },
    { "nginx", TG_OPT_VALUE, "PATH",
      "the nginx binary (default /usr/sbin/nginx)" },
    { NULL, 0, NULL, NULL },
};


const tg_cli_cmd_t tg_cli_up_cmds[] = {
    { "up", NULL, "", 0, 0, tg_up_opts,
      "Start tollgated and nginx with the Tollgate module in the foreground.",
      tg_up_run },
    { "reload", NULL, "", 0, 0, tg_reload_opts,
      "Make a running tollgated and its nginx re-read their settings and "
      "reopen their logs.",
      tg_reload_run },
    { NULL, NULL, NULL, 0, 0, NULL, NULL, NULL },
};
