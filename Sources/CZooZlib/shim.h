// zlib (Debian zlib1g-dev, pkg-config `zlib`): the CRC-32 of zip entries.
#include <zlib.h>
