// OpenBLAS's CBLAS interface (Debian libopenblas-dev; pkg-config name `openblas`, which puts its
// own include folder, holding cblas.h, first on the search path).
#include <cblas.h>
