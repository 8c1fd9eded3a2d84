/**
 * @file blasinfo.c
 * @brief The BLAS library's description of itself (see blasinfo.h).
 */
#include "rwpo/core/blasinfo.h"

#include <cblas.h>

const char *blasinfo_config(void)
{
    const char *s = openblas_get_config();
    return s ? s : "unknown";
}
