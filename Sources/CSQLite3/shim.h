#ifndef TESTENV_CSQLITE3_SHIM_H
#define TESTENV_CSQLITE3_SHIM_H

#include <dlfcn.h>
#include <pthread.h>
#include <sqlite3.h>

// SQLITE_TRANSIENT is a macro that casts -1 to a function pointer; Swift cannot import it.
static inline sqlite3_destructor_type testenv_sqlite_transient(void) {
    return SQLITE_TRANSIENT;
}

// sqlite3_db_config is variadic; Swift cannot call variadic C functions.
static inline int testenv_sqlite_db_config_flag(sqlite3 *db, int option, int value) {
    return sqlite3_db_config(db, option, value, (int *)0);
}

// The pre-update hook exists only in libraries built with SQLITE_ENABLE_PREUPDATE_HOOK (Debian's
// and Ubuntu's are). It is looked up when the program runs, so that a library without it still
// links: callers then fall back to what works without it.
typedef void (*testenv_preupdate_callback)(void *, sqlite3 *, int, const char *, const char *, sqlite3_int64, sqlite3_int64);

struct testenv_preupdate_api {
    void *(*hook)(sqlite3 *, testenv_preupdate_callback, void *);
    int (*old)(sqlite3 *, int, sqlite3_value **);
    int (*count)(sqlite3 *);
};

// The storage of what the lookup found (all NULL until then, or when the library has none).
static inline struct testenv_preupdate_api *testenv_preupdate_storage(void) {
    static struct testenv_preupdate_api api;
    return &api;
}

static inline void testenv_preupdate_look_up(void) {
    void *process = dlopen(NULL, RTLD_LAZY);
    if (!process) return;
    struct testenv_preupdate_api api;
    api.hook = (void *(*)(sqlite3 *, testenv_preupdate_callback, void *))dlsym(process, "sqlite3_preupdate_hook");
    api.old = (int (*)(sqlite3 *, int, sqlite3_value **))dlsym(process, "sqlite3_preupdate_old");
    api.count = (int (*)(sqlite3 *))dlsym(process, "sqlite3_preupdate_count");
    if (api.hook && api.old && api.count) *testenv_preupdate_storage() = api;
}

// The library's pre-update functions, or NULL when it has none. Looked up once, thread-safely.
static inline const struct testenv_preupdate_api *testenv_preupdate(void) {
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, testenv_preupdate_look_up);
    struct testenv_preupdate_api *api = testenv_preupdate_storage();
    return api->hook ? api : 0;
}

#endif
