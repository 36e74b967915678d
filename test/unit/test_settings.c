/*
 * Tests of daemon/settings.c: the core's settings and the groups that
 * dialects declare load alike from defaults, the config file, the
 * environment and flags (later winning), are listed by --help, and are
 * freed; the former name --alibaba-nonces sets signed_nonces; and the
 * default_* settings give a new account's credential policy.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "settings.h"

#include "unit.h"


/* A dialect's settings, as a descriptor would declare them. */
typedef struct {
    int64_t widgets;
    char   *flavour;
} demo_settings_t;

/* clang-format off */
static const tg_setting_t demo_table[] = {
    { "demo_widgets", TG_SETTING_INT, offsetof(demo_settings_t, widgets),
      "3", 1, 10, NULL, "how many widgets" },
    { "demo_flavour", TG_SETTING_STRING, offsetof(demo_settings_t, flavour),
      "plain", 0, 0, "plain|spicy", "which flavour" },
};
/* clang-format on */


/* Loads with argv (NULL-terminated) and the demo group. */
static tg_settings_result_t
load(tg_settings_t *s, demo_settings_t *demo, const char **args, char *errbuf,
     size_t errlen)
{
    tg_settings_group_t group = { demo_table, 2, demo };
    char               *argv[16];
    int                 argc = 0;

    argv[argc++] = "tollgated";
    while (*args != NULL && argc < 15) {
        argv[argc++] = (char *) *args++;
    }
    argv[argc] = NULL;

    memset(demo, 0, sizeof(*demo));
    return tg_settings_load(s, &group, 1, argc, argv, errbuf, errlen);
}


static void
release(tg_settings_t *s, demo_settings_t *demo)
{
    tg_settings_group_t group = { demo_table, 2, demo };

    tg_settings_free(s);
    tg_settings_group_free(&group);
    assert_null(demo->flavour);
}


static void
test_group_defaults_env_file_flags(void **state)
{
    tg_settings_t   s;
    demo_settings_t demo;
    char            errbuf[256], path[] = "/tmp/tollgate-test-settings-XXXXXX";
    const char     *args[] = { "--config", path, "--demo-flavour=spicy", NULL };
    const char     *none[] = { NULL };
    FILE           *f;
    int             fd;

    (void) state;

    assert_int_equal(load(&s, &demo, none, errbuf, sizeof(errbuf)),
                     TG_SETTINGS_RUN);
    assert_int_equal(demo.widgets, 3);
    assert_string_equal(demo.flavour, "plain");
    assert_string_equal(s.listen, "127.0.0.1:9080");
    release(&s, &demo);

    fd = mkstemp(path);
    assert_true(fd >= 0);
    f = fdopen(fd, "w");
    fputs("demo_widgets = 5\ndemo_flavour = plain\nthreads = 2\n", f);
    fclose(f);

    /* The file, then the environment over it, then the flag over both. */
    setenv("TOLLGATE_DEMO_WIDGETS", "7", 1);
    setenv("TOLLGATE_DEMO_FLAVOUR", "plain", 1);
    assert_int_equal(load(&s, &demo, args, errbuf, sizeof(errbuf)),
                     TG_SETTINGS_RUN);
    assert_int_equal(demo.widgets, 7);
    assert_string_equal(demo.flavour, "spicy");
    assert_int_equal(s.threads, 2);
    release(&s, &demo);
    unsetenv("TOLLGATE_DEMO_WIDGETS");
    unsetenv("TOLLGATE_DEMO_FLAVOUR");
    unlink(path);
}


static void
test_group_errors(void **state)
{
    tg_settings_t   s;
    demo_settings_t demo;
    char            errbuf[256];
    const char     *range[] = { "--demo-widgets", "11", NULL };
    const char     *choice[] = { "--demo-flavour", "sour", NULL };
    const char     *unknown[] = { "--demo-gadgets", "1", NULL };

    (void) state;

    assert_int_equal(load(&s, &demo, range, errbuf, sizeof(errbuf)),
                     TG_SETTINGS_ERROR);
    assert_non_null(strstr(errbuf, "demo_widgets must be an integer"));
    release(&s, &demo);

    assert_int_equal(load(&s, &demo, choice, errbuf, sizeof(errbuf)),
                     TG_SETTINGS_ERROR);
    assert_non_null(strstr(errbuf, "plain|spicy"));
    release(&s, &demo);

    assert_int_equal(load(&s, &demo, unknown, errbuf, sizeof(errbuf)),
                     TG_SETTINGS_ERROR);
    assert_non_null(strstr(errbuf, "unknown flag --demo-gadgets"));
    release(&s, &demo);
}


static void
test_help_lists_groups(void **state)
{
    tg_settings_group_t group = { demo_table, 2, NULL };
    char               *text = NULL;
    size_t              len = 0;
    FILE               *out;

    (void) state;

    out = open_memstream(&text, &len);
    assert_non_null(out);
    tg_settings_usage(out, &group, 1);
    fclose(out);

    assert_non_null(strstr(text, "--data-dir"));
    assert_non_null(strstr(text, "--demo-widgets"));
    assert_non_null(strstr(text, "TOLLGATE_DEMO_FLAVOUR"));
    assert_non_null(strstr(text, "(plain|spicy) [default: plain]"));
    assert_non_null(strstr(text, "--signed-nonces"));
    assert_non_null(strstr(text, "--alibaba-nonces"));
    free(text);
}


static void
test_signed_nonces_and_former_name(void **state)
{
    tg_settings_t   s;
    demo_settings_t demo;
    char            errbuf[256];
    const char     *none[] = { NULL };
    const char     *former[] = { "--alibaba-nonces", "42", NULL };
    const char *both[] = { "--alibaba-nonces=9", "--signed-nonces=8", NULL };

    (void) state;

    assert_int_equal(load(&s, &demo, none, errbuf, sizeof(errbuf)),
                     TG_SETTINGS_RUN);
    assert_int_equal(s.signed_nonces, 200000);
    release(&s, &demo);

    assert_int_equal(load(&s, &demo, former, errbuf, sizeof(errbuf)),
                     TG_SETTINGS_RUN);
    assert_int_equal(s.signed_nonces, 42);
    release(&s, &demo);

    assert_int_equal(load(&s, &demo, both, errbuf, sizeof(errbuf)),
                     TG_SETTINGS_RUN);
    assert_int_equal(s.signed_nonces, 8);
    release(&s, &demo);

    setenv("TOLLGATE_ALIBABA_NONCES", "77", 1);
    assert_int_equal(load(&s, &demo, none, errbuf, sizeof(errbuf)),
                     TG_SETTINGS_RUN);
    assert_int_equal(s.signed_nonces, 77);
    release(&s, &demo);
    unsetenv("TOLLGATE_ALIBABA_NONCES");
}


/* The default_* settings give a new account's credential policy; the
 * graces must agree with each other and max_grace_seconds. */
static void
test_account_policy_defaults(void **state)
{
    tg_settings_t    s;
    demo_settings_t  demo;
    tg_cred_policy_t p;
    const char      *rule;
    char             errbuf[256];
    const char      *none[] = { NULL };
    const char      *all[] = { "--default-reveal-once",
                               "on",
                               "--default-max-secret-age=7776000",
                               "--default-min-grace=60",
                               "--default-max-grace=3600",
                               "--default-secret-min-length=24",
                               "--default-secret-classes=3",
                               NULL };
    const char *edge[] = { "--max-grace-seconds=100", "--default-min-grace=100",
                           NULL };
    const char *min_above[] = { "--default-min-grace=61",
                                "--default-max-grace=60", NULL };
    const char *min_limit[] = { "--max-grace-seconds=100",
                                "--default-min-grace=101", NULL };
    const char *max_limit[] = { "--max-grace-seconds=100",
                                "--default-max-grace=101", NULL };
    const char *classes[] = { "--default-secret-classes=5", NULL };
    const char *reveal[] = { "--default-reveal-once=yes", NULL };

    (void) state;

    assert_int_equal(load(&s, &demo, none, errbuf, sizeof(errbuf)),
                     TG_SETTINGS_RUN);
    assert_rc(tg_settings_cred_policy(&s, &p, &rule), TG_OK);
    assert_int_equal(p.reveal_once, 0);
    assert_i64_equal(p.max_secret_age + p.min_grace + p.max_grace
                         + p.secret_min_length + p.secret_classes,
                     0);
    release(&s, &demo);

    assert_int_equal(load(&s, &demo, all, errbuf, sizeof(errbuf)),
                     TG_SETTINGS_RUN);
    assert_rc(tg_settings_cred_policy(&s, &p, &rule), TG_OK);
    assert_int_equal(p.reveal_once, 1);
    assert_i64_equal(p.max_secret_age, 7776000);
    assert_i64_equal(p.min_grace, 60);
    assert_i64_equal(p.max_grace, 3600);
    assert_i64_equal(p.secret_min_length, 24);
    assert_i64_equal(p.secret_classes, 3);
    release(&s, &demo);

    assert_int_equal(load(&s, &demo, edge, errbuf, sizeof(errbuf)),
                     TG_SETTINGS_RUN);
    release(&s, &demo);

    assert_int_equal(load(&s, &demo, min_above, errbuf, sizeof(errbuf)),
                     TG_SETTINGS_ERROR);
    assert_non_null(strstr(errbuf, "default_min_grace must be at most"));
    release(&s, &demo);

    assert_int_equal(load(&s, &demo, min_limit, errbuf, sizeof(errbuf)),
                     TG_SETTINGS_ERROR);
    assert_non_null(strstr(errbuf, "default_min_grace must be at most"));
    release(&s, &demo);

    assert_int_equal(load(&s, &demo, max_limit, errbuf, sizeof(errbuf)),
                     TG_SETTINGS_ERROR);
    assert_non_null(strstr(errbuf, "default_max_grace must be at most"));
    release(&s, &demo);

    assert_int_equal(load(&s, &demo, classes, errbuf, sizeof(errbuf)),
                     TG_SETTINGS_ERROR);
    assert_non_null(strstr(errbuf, "default_secret_classes must be"));
    release(&s, &demo);

    assert_int_equal(load(&s, &demo, reveal, errbuf, sizeof(errbuf)),
                     TG_SETTINGS_ERROR);
    assert_non_null(strstr(errbuf, "on|off"));
    release(&s, &demo);
}


/* Collects the names tg_settings_each_changed() gives, comma-separated. */
static void
collect(void *data, const char *name)
{
    char *out = data;

    if (out[0] != '\0') {
        strcat(out, ",");
    }
    strcat(out, name);
}


static void
test_each_changed(void **state)
{
    tg_settings_t       a, b;
    demo_settings_t     da, db;
    tg_settings_group_t ga = { demo_table, 2, &da },
                        gb = { demo_table, 2, &db };
    char        errbuf[256], names[512];
    const char *first[] = { "--max-apps", "5",     "--tls-cert", "c.pem",
                            "--tls-key",  "k.pem", NULL };
    const char *second[] = { "--max-apps",
                             "6",
                             "--tls-cert",
                             "c.pem",
                             "--demo-flavour",
                             "spicy",
                             "--alibaba-nonces",
                             "9",
                             "--app-write-rate",
                             "2.5",
                             NULL };

    (void) state;

    assert_int_equal(load(&a, &da, first, errbuf, sizeof(errbuf)),
                     TG_SETTINGS_RUN);
    assert_int_equal(load(&b, &db, first, errbuf, sizeof(errbuf)),
                     TG_SETTINGS_RUN);
    names[0] = '\0';
    tg_settings_each_changed(&a, &ga, &b, &gb, 1, collect, names);
    assert_string_equal(names, ""); /* equal strings at other addresses */
    release(&b, &db);

    /* A number, a string set and one unset, a group's, and a former name
     * (named once, as the setting it sets). */
    assert_int_equal(load(&b, &db, second, errbuf, sizeof(errbuf)),
                     TG_SETTINGS_RUN);
    tg_settings_each_changed(&a, &ga, &b, &gb, 1, collect, names);
    assert_string_equal(names, "tls_key,max_apps,app_write_rate,"
                               "signed_nonces,demo_flavour");
    release(&a, &da);
    release(&b, &db);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_group_defaults_env_file_flags),
        cmocka_unit_test(test_group_errors),
        cmocka_unit_test(test_help_lists_groups),
        cmocka_unit_test(test_signed_nonces_and_former_name),
        cmocka_unit_test(test_account_policy_defaults),
        cmocka_unit_test(test_each_changed),
    };

    return cmocka_run_group_tests_name("settings", tests, NULL, NULL);
}
