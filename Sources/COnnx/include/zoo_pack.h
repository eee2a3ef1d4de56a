/* zoo's own helper around protobuf-c: packing a message straight into a file descriptor, so
 * that writing a large model never holds a second copy of it in memory. */
#ifndef ZOO_PACK_H
#define ZOO_PACK_H

#include <stddef.h>
#include <protobuf-c/protobuf-c.h>

/* Packs `message` into `fd`. Returns the number of bytes written, or 0 with *error set to the
 * errno of the failed write. */
size_t zoo_pack_to_fd(const ProtobufCMessage *message, int fd, int *error);

/* An allocator for unpacking large models: blocks of 1 MiB or more come from anonymous
 * mappings populated by the kernel in one call (Linux MAP_POPULATE) rather than one page
 * fault at a time as protobuf-c copies a weight into them; smaller ones from malloc. */
ProtobufCAllocator *zoo_unpack_allocator(void);

#endif
