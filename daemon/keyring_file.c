/*
 * Creating, checking and reading the keyring file.
 */

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "tollgate/crypto.h"
#include "tollgate/error.h"
#include "keyring_file.h"


#define TG_KEYRING_FORMAT "tollgate-keyring/1"


static int
tg_fsync_dir(const char *path)
{
    char *copy = tg_strndup(path, strlen(path));
    int   fd, rc = TG_OK;

    if (copy == NULL) {
        return TG_ENOMEM;
    }

    fd = open(dirname(copy), O_RDONLY | O_DIRECTORY);
    if (fd < 0 || fsync(fd) != 0) {
        rc = TG_EINTERNAL;
    }
    if (fd >= 0) {
        close(fd);
    }

    free(copy);
    return rc;
}


int
tg_file_write_private(const char *path, const char *text, char *errbuf,
                      size_t errlen)
{
    char    tmp[4096];
    size_t  len = strlen(text), done = 0;
    ssize_t n;
    int     fd;

    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    unlink(tmp);

    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(errbuf, errlen, "%s: %s", tmp, strerror(errno));
        return TG_EINTERNAL;
    }

    while (done < len) {
        n = write(fd, text + done, len - done);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        done += (size_t) n;
    }

    if (done != len || fsync(fd) != 0) {
        snprintf(errbuf, errlen, "%s: %s", tmp, strerror(errno));
        close(fd);
        unlink(tmp);
        return TG_EINTERNAL;
    }

    close(fd);

    if (rename(tmp, path) != 0) {
        snprintf(errbuf, errlen, "%s: %s", path, strerror(errno));
        unlink(tmp);
        return TG_EINTERNAL;
    }

    return tg_fsync_dir(path);
}


static json_t *
tg_keyring_json_key(const uint8_t key[TG_SEAL_KEY_LEN])
{
    char    text[TG_BASE64_ENCODED_LEN(TG_SEAL_KEY_LEN)];
    json_t *v;

    tg_base64_encode(key, TG_SEAL_KEY_LEN, text);
    v = json_string(text);
    tg_wipe(text, sizeof(text));
    return v;
}


int
tg_keyring_file_write(const char *path, const tg_keyring_t *kr, char *errbuf,
                      size_t errlen)
{
    const uint8_t *key;
    const char    *kid;
    json_t        *doc, *keys;
    char          *text = NULL;
    size_t         i;
    int            rc = TG_ENOMEM;

    keys = json_array();
    doc = json_pack("{s:s,s:s,s:o,s:o}", "format", TG_KEYRING_FORMAT, "primary",
                    tg_keyring_primary(kr), "keys", keys, "index_key",
                    tg_keyring_json_key(tg_keyring_index_key(kr)));

    for (i = 0; doc != NULL && i < tg_keyring_count(kr); i++) {
        tg_keyring_key_at(kr, i, &kid, &key);
        json_array_append_new(keys, json_pack("{s:s,s:o}", "id", kid, "key",
                                              tg_keyring_json_key(key)));
    }

    text = doc != NULL ? json_dumps(doc, JSON_INDENT(2)) : NULL;
    if (text != NULL) {
        rc = tg_file_write_private(path, text, errbuf, errlen);
        tg_wipe(text, strlen(text));
        free(text);
    } else {
        snprintf(errbuf, errlen, "out of memory");
    }

    if (doc != NULL) {
        json_decref(doc);
    }

    return rc;
}


/* Creates a keyring of one fresh key and a fresh index key, and writes
 * it to path. */
static int
tg_keyring_file_create(const char *path, tg_keyring_t **out, char *errbuf,
                       size_t errlen)
{
    tg_keyring_t *kr = NULL;
    uint8_t       key[TG_SEAL_KEY_LEN], index[TG_SEAL_KEY_LEN];
    int           rc;

    rc = tg_random_bytes(key, sizeof(key));
    if (rc == TG_OK) {
        rc = tg_random_bytes(index, sizeof(index));
    }
    if (rc == TG_OK) {
        rc = tg_keyring_create(&kr);
    }
    if (rc == TG_OK) {
        rc = tg_keyring_add(kr, TG_STR("k1"), key);
    }

    tg_wipe(key, sizeof(key));

    if (rc != TG_OK) {
        snprintf(errbuf, errlen, "cannot generate the keyring");
        tg_wipe(index, sizeof(index));
        tg_keyring_destroy(kr);
        return rc;
    }

    tg_keyring_set_index_key(kr, index);
    tg_wipe(index, sizeof(index));

    rc = tg_keyring_file_write(path, kr, errbuf, errlen);
    if (rc != TG_OK) {
        tg_keyring_destroy(kr);
        return rc;
    }

    *out = kr;
    return TG_OK;
}


/* Decodes a base64 key member into key. */
static int
tg_keyring_decode(json_t *value, uint8_t key[TG_SEAL_KEY_LEN])
{
    uint8_t raw[TG_SEAL_KEY_LEN + 3];
    size_t  n = 0;
    int     rc;

    if (!json_is_string(value) || json_string_length(value) > 48) {
        return TG_EINVALID;
    }

    rc = tg_base64_decode(
        (tg_str_t){ json_string_value(value), json_string_length(value) }, raw,
        &n);
    if (rc == TG_OK && n == TG_SEAL_KEY_LEN) {
        memcpy(key, raw, TG_SEAL_KEY_LEN);
    } else {
        rc = TG_EINVALID;
    }

    tg_wipe(raw, sizeof(raw));
    return rc;
}


static int
tg_keyring_parse(json_t *doc, tg_keyring_t *kr)
{
    json_t     *keys, *item;
    uint8_t     key[TG_SEAL_KEY_LEN];
    const char *primary, *format;
    size_t      i;
    int         rc = TG_OK;

    format = json_string_value(json_object_get(doc, "format"));
    primary = json_string_value(json_object_get(doc, "primary"));
    keys = json_object_get(doc, "keys");

    if (format == NULL || strcmp(format, TG_KEYRING_FORMAT) != 0
        || primary == NULL || !json_is_array(keys)
        || json_array_size(keys) == 0)
    {
        return TG_EINVALID;
    }

    json_array_foreach(keys, i, item)
    {
        const char *id = json_string_value(json_object_get(item, "id"));

        rc = id != NULL ? tg_keyring_decode(json_object_get(item, "key"), key)
                        : TG_EINVALID;
        if (rc == TG_OK) {
            rc = tg_keyring_add(kr, tg_str_c(id), key);
        }
        if (rc != TG_OK) {
            break;
        }
    }

    if (rc == TG_OK) {
        rc = tg_keyring_set_primary(kr, tg_str_c(primary));
    }
    if (rc == TG_OK) {
        rc = tg_keyring_decode(json_object_get(doc, "index_key"), key);
        if (rc == TG_OK) {
            tg_keyring_set_index_key(kr, key);
        }
    }

    tg_wipe(key, sizeof(key));
    return rc;
}


static int
tg_keyring_file_read(const char *path, int fd, tg_keyring_t **out, char *errbuf,
                     size_t errlen)
{
    tg_keyring_t *kr = NULL;
    json_error_t  jerr;
    struct stat   st;
    json_t       *doc;
    int           rc;

    if (fstat(fd, &st) != 0) {
        snprintf(errbuf, errlen, "%s: %s", path, strerror(errno));
        return TG_EINTERNAL;
    }

    if ((st.st_mode & 077) != 0) {
        snprintf(errbuf, errlen,
                 "%s is readable by others (mode %03o); run chmod 600 on it",
                 path, (unsigned) (st.st_mode & 0777));
        return TG_EINVALID;
    }

    if (st.st_uid != geteuid()) {
        snprintf(errbuf, errlen, "%s belongs to another user", path);
        return TG_EINVALID;
    }

    doc = json_loadfd(fd, 0, &jerr);
    if (doc == NULL) {
        snprintf(errbuf, errlen, "%s: not valid JSON (line %d)", path,
                 jerr.line);
        return TG_EINVALID;
    }

    rc = tg_keyring_create(&kr);
    if (rc == TG_OK) {
        rc = tg_keyring_parse(doc, kr);
    }
    json_decref(doc);

    if (rc != TG_OK) {
        snprintf(errbuf, errlen, "%s: not a valid %s keyring", path,
                 TG_KEYRING_FORMAT);
        tg_keyring_destroy(kr);
        return rc;
    }

    *out = kr;
    return TG_OK;
}


int
tg_keyring_file_open(const char *path, int allow_create, tg_keyring_t **kr,
                     int *created, char *errbuf, size_t errlen)
{
    int fd, rc;

    *created = 0;

    fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT && !allow_create) {
        snprintf(errbuf, errlen,
                 "%s is missing, but the store exists and its secrets are "
                 "sealed under it; restore the file from a backup",
                 path);
        return TG_EINVALID;
    }

    if (fd < 0 && errno == ENOENT) {
        rc = tg_keyring_file_create(path, kr, errbuf, errlen);
        *created = rc == TG_OK;
        return rc;
    }

    if (fd < 0) {
        snprintf(errbuf, errlen, "%s: %s", path, strerror(errno));
        return TG_EINTERNAL;
    }

    rc = tg_keyring_file_read(path, fd, kr, errbuf, errlen);
    close(fd);
    return rc;
}
