#ifndef TESTENV_CMARIADB_SHIM_H
#define TESTENV_CMARIADB_SHIM_H

// mysql.h uses size_t and bool without including their headers.
#include <stddef.h>
#include <stdbool.h>
#include <mysql.h>

// mysql_library_init is a macro; Swift cannot see it.
static inline int testenv_mysql_library_init(void) {
    return mysql_server_init(0, NULL, NULL);
}

#endif
