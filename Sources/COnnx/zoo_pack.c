#include "zoo_pack.h"

#include <errno.h>
#include <unistd.h>

typedef struct {
    ProtobufCBuffer base;
    int fd;
    int error;
} FileBuffer;

static void file_buffer_append(ProtobufCBuffer *buffer, size_t length, const uint8_t *data) {
    FileBuffer *file = (FileBuffer *)buffer;
    while (length > 0 && file->error == 0) {
        ssize_t written = write(file->fd, data, length);
        if (written < 0) {
            if (errno == EINTR) continue;
            file->error = errno;
            return;
        }
        data += written;
        length -= (size_t)written;
    }
}

size_t zoo_pack_to_fd(const ProtobufCMessage *message, int fd, int *error) {
    FileBuffer buffer = { { file_buffer_append }, fd, 0 };
    size_t size = protobuf_c_message_pack_to_buffer(message, &buffer.base);
    *error = buffer.error;
    return buffer.error == 0 ? size : 0;
}
