// HDF5 (Debian libhdf5-dev, pkg-config `hdf5-serial`) for Swift. The constants below are macros
// that Swift cannot import (or imports as global variables that Swift 6 refuses to share across
// concurrency domains); these accessors expand them, including the H5open() call they contain.
#include <hdf5.h>
#include <hdf5_hl.h>

static inline unsigned zoo_H5F_ACC_RDONLY(void) { return H5F_ACC_RDONLY; }
static inline unsigned zoo_H5F_ACC_TRUNC(void) { return H5F_ACC_TRUNC; }
static inline hid_t zoo_H5P_FILE_ACCESS(void) { return H5P_FILE_ACCESS; }
static inline hid_t zoo_H5T_NATIVE_FLOAT(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t zoo_H5T_NATIVE_DOUBLE(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t zoo_H5T_NATIVE_INT64(void) { return H5T_NATIVE_INT64; }
static inline hid_t zoo_H5T_IEEE_F32LE(void) { return H5T_IEEE_F32LE; }
static inline haddr_t zoo_HADDR_UNDEF(void) { return HADDR_UNDEF; }
static inline hid_t zoo_H5T_C_S1(void) { return H5T_C_S1; }
static inline size_t zoo_H5T_VARIABLE(void) { return H5T_VARIABLE; }
static inline unsigned zoo_H5LT_FILE_IMAGE_DONT_COPY(void) { return H5LT_FILE_IMAGE_DONT_COPY; }
static inline unsigned zoo_H5LT_FILE_IMAGE_DONT_RELEASE(void) { return H5LT_FILE_IMAGE_DONT_RELEASE; }
