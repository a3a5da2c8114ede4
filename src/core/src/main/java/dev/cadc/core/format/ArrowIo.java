package dev.cadc.core.format;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.util.List;
import java.util.Map;
import org.apache.arrow.flatbuf.Message;
import org.apache.arrow.flatbuf.MessageHeader;
import org.apache.arrow.flatbuf.RecordBatch;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorLoader;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.apache.arrow.vector.ipc.ReadChannel;
import org.apache.arrow.vector.ipc.message.ArrowRecordBatch;
import org.apache.arrow.vector.ipc.message.MessageSerializer;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.arrow.vector.util.ValueVectorUtility;

/**
 * The Arrow plumbing the three codecs share: memory, defensive IPC framing, schema checks.
 *
 * <p>Memory: one process-wide {@link RootAllocator}, and a child allocator per encode/decode call or
 * per stream. A root per call would be wasteful (each root sets up its own accounting), while a child
 * is cheap, thread-safe to create from the shared root, caps what one hostile record can make us
 * allocate (its limit is derived from the bytes actually received), and throws on {@code close()} when
 * that call leaked a buffer, so a leak surfaces where it happened.
 *
 * <p>Framing: Arrow's own stream reader allocates a heap buffer of whatever size a message's length
 * prefix claims, so four garbage bytes can demand 2 GiB. This class reads the framing itself
 * (continuation marker, metadata length, flatbuffer {@link Message}, body length) and checks every
 * claimed length against the bytes that can still come and against the configured maximum before
 * allocating anything.
 */
final class ArrowIo {

    private static final RootAllocator ROOT = new RootAllocator(Long.MAX_VALUE);

    /** The IPC continuation marker that precedes every message length since Arrow 0.15. */
    private static final int CONTINUATION = 0xFFFFFFFF;

    /** Headroom for the validity bitmaps Arrow allocates when a batch omits them (no nulls). */
    private static final long ALLOCATION_HEADROOM_BYTES = 1L << 20;

    private ArrowIo() {}

    /**
     * A child of the shared root that may hold a few times {@code inputBytes}: the body buffer is
     * rounded up to a power of two, and absent validity bitmaps are materialised on load.
     */
    static BufferAllocator childAllocator(String name, long inputBytes) {
        long limit = Math.min(Long.MAX_VALUE / 8, 4L * inputBytes + ALLOCATION_HEADROOM_BYTES);
        return ROOT.newChildAllocator(name, 0, limit);
    }

    /**
     * A child of the shared root for writing: what it allocates is sized by our own data, not by
     * untrusted input, so it has no limit of its own (leaks still throw on close).
     */
    static BufferAllocator encoderAllocator(String name) {
        return ROOT.newChildAllocator(name, 0, Long.MAX_VALUE);
    }

    /** Bytes currently held by every allocator of this process; tests assert it returns to zero. */
    static long allocatedBytes() {
        return ROOT.getAllocatedMemory();
    }

    /** Writes {@code root} as a complete IPC stream (schema, one batch, end-of-stream marker). */
    static byte[] writeSingleBatch(VectorSchemaRoot root) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try (ArrowStreamWriter writer = new ArrowStreamWriter(root, null, Channels.newChannel(out))) {
            writer.start();
            writer.writeBatch();
            writer.end();
        } catch (IOException e) {
            throw new IllegalStateException("writing Arrow IPC to memory failed", e);
        }
        return out.toByteArray();
    }

    /** Opens a stream writer over {@code out}; the caller closes it. */
    static ArrowStreamWriter streamWriter(VectorSchemaRoot root, OutputStream out) {
        return new ArrowStreamWriter(root, null, Channels.newChannel(out));
    }

    /** Reads the IPC messages of one stream, checking every claimed length before allocating. */
    static final class MessageReader {
        private final ReadChannel channel;
        private final long inputBytes;
        private final long maxMessageBytes;
        private boolean ended;

        /**
         * @param inputBytes the total bytes the channel holds when known, else {@code Long.MAX_VALUE};
         *     a length claiming more than what remains is a truncated stream (MALFORMED_IPC)
         * @param maxMessageBytes a message (metadata + body) larger than this is OVERSIZED
         */
        MessageReader(ReadableByteChannel in, long inputBytes, long maxMessageBytes) {
            this.channel = new ReadChannel(in);
            this.inputBytes = inputBytes;
            this.maxMessageBytes = maxMessageBytes;
        }

        /** The next message's metadata, or {@code null} at the end-of-stream marker or end of input. */
        Message next() throws IOException {
            if (ended) {
                return null;
            }
            ByteBuffer prefix = ByteBuffer.allocate(4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            int read = channel.readFully(prefix);
            if (read == 0) {
                ended = true;
                return null;
            }
            if (read < 4) {
                throw malformed("the stream ends inside a message length prefix");
            }
            int length = prefix.getInt(0);
            boolean first = channel.bytesRead() == 4;
            if (first && length != CONTINUATION && (length < 0 || length > maxMessageBytes)) {
                // Not a stream at all (a JSON or text file, say): saying so beats "a message of 2 GB".
                throw malformed("the input does not begin like an Arrow IPC stream (the continuation marker"
                        + " 0xFFFFFFFF); its first bytes are " + printable(prefix));
            }
            if (length == CONTINUATION) {
                prefix.clear();
                if (channel.readFully(prefix) < 4) {
                    throw malformed("the stream ends inside a message length prefix");
                }
                length = prefix.getInt(0);
            }
            if (length == 0) {
                ended = true;
                return null;
            }
            checkClaim("message metadata", length, length);
            ByteBuffer metadata = ByteBuffer.allocate(length);
            if (channel.readFully(metadata) < length) {
                throw malformed("the stream ends inside a message's metadata");
            }
            metadata.flip();
            Message message;
            long bodyLength;
            try {
                message = Message.getRootAsMessage(metadata);
                bodyLength = message.bodyLength();
            } catch (RuntimeException e) {
                throw new InvalidRecordException(
                        ReasonCode.MALFORMED_IPC, "message metadata is not an Arrow flatbuffer", e);
            }
            if (bodyLength < 0) {
                throw malformed("a message claims a negative body length " + bodyLength);
            }
            checkClaim("message body", bodyLength, length + bodyLength);
            return message;
        }

        /** The bytes as text when they are printable ASCII, else as hex. */
        private static String printable(ByteBuffer bytes) {
            StringBuilder text = new StringBuilder("'");
            StringBuilder hex = new StringBuilder("0x");
            boolean ascii = true;
            for (int i = 0; i < bytes.limit(); i++) {
                int b = bytes.get(i) & 0xff;
                ascii &= b >= 0x20 && b < 0x7f;
                text.append((char) b);
                hex.append(String.format("%02x", b));
            }
            return ascii ? text.append("'").toString() : hex.toString();
        }

        /** Reads the body of {@code message} into a buffer of {@code allocator}; the caller closes it. */
        ArrowBuf body(Message message, BufferAllocator allocator) throws IOException {
            long bodyLength = message.bodyLength();
            ArrowBuf body = allocator.buffer(bodyLength);
            if (channel.readFully(body, bodyLength) < bodyLength) {
                body.close();
                throw malformed("the stream ends inside a message body of " + bodyLength + " bytes");
            }
            return body;
        }

        /** Whether the input holds nothing after the last message read. */
        boolean atEndOfInput() throws IOException {
            ByteBuffer probe = ByteBuffer.allocate(1);
            return channel.readFully(probe) == 0;
        }

        /** {@code claimedBytes} must still be readable, and the whole message must fit the limit. */
        private void checkClaim(String what, long claimedBytes, long messageBytes) {
            if (claimedBytes < 0 || claimedBytes > inputBytes - channel.bytesRead()) {
                throw malformed(
                        "a " + what + " claims " + claimedBytes + " bytes but the input has only "
                                + Math.max(0, inputBytes - channel.bytesRead()) + " left (cut short?)");
            }
            if (messageBytes > maxMessageBytes) {
                throw new InvalidRecordException(
                        ReasonCode.OVERSIZED,
                        "an IPC message of " + messageBytes + " bytes exceeds the limit of "
                                + maxMessageBytes + " bytes");
            }
        }
    }

    /** Decodes the schema from a message that must be a schema message. */
    static Schema readSchema(Message message) {
        if (message == null) {
            throw malformed("the stream is empty; expected a schema message first");
        }
        if (message.headerType() != MessageHeader.Schema) {
            throw malformed("expected a schema message first, got a "
                    + MessageHeader.name(message.headerType()) + " message");
        }
        try {
            return MessageSerializer.deserializeSchema(message);
        } catch (RuntimeException e) {
            throw new InvalidRecordException(ReasonCode.MALFORMED_IPC, "unreadable Arrow schema message", e);
        }
    }

    /**
     * Loads the record batch in {@code message} into {@code root} and validates its buffers against
     * its row count, so a lying batch cannot make later reads run past its buffers.
     */
    static void loadBatch(MessageReader reader, Message message, VectorSchemaRoot root, BufferAllocator allocator)
            throws IOException {
        if (message.headerType() != MessageHeader.RecordBatch) {
            throw malformed("expected a record batch message, got a "
                    + MessageHeader.name(message.headerType())
                    + " message (dictionaries, tensors are not part of the format)");
        }
        RecordBatch header = (RecordBatch) message.header(new RecordBatch());
        if (header == null) {
            throw malformed("a record batch message has no header");
        }
        if (header.compression() != null) {
            throw malformed("the record batch is compressed; the format requires uncompressed IPC");
        }
        // Every buffer must lie inside the body the message carries: the body's allocation is rounded
        // up, and a buffer reaching past the body would read whatever memory the allocator left there
        // (a fuzzed record decoded one way in one JVM and another way in the next).
        long bodyLength = message.bodyLength();
        for (int i = 0; i < header.buffersLength(); i++) {
            org.apache.arrow.flatbuf.Buffer buffer = header.buffers(i);
            if (buffer.offset() < 0 || buffer.length() < 0 || buffer.offset() + buffer.length() > bodyLength) {
                throw malformed("buffer " + i + " of the record batch (offset " + buffer.offset() + ", length "
                        + buffer.length() + ") lies outside its body of " + bodyLength + " bytes");
            }
        }
        ArrowBuf body = reader.body(message, allocator);
        ArrowRecordBatch batch;
        try {
            // Hands the body's reference over to the batch (it releases `body` once sliced).
            batch = MessageSerializer.deserializeRecordBatch(message, body);
        } catch (IOException | RuntimeException e) {
            if (body.refCnt() > 0) {
                body.close();
            }
            throw e;
        }
        try (batch) {
            new VectorLoader(root).load(batch);
        }
        ValueVectorUtility.validate(root);
        for (FieldVector vector : root.getFieldVectors()) {
            validateData(vector);
        }
    }

    /**
     * Full validation (offsets, UTF-8 bounds) of each vector. Arrow 19's full validation of a
     * FixedSizeListVector asks it for an offset buffer it does not have, so for those only the child
     * is validated in full; their buffer sizes are covered by {@code validate(root)}.
     */
    private static void validateData(FieldVector vector) {
        if (vector instanceof FixedSizeListVector list) {
            validateData((FieldVector) list.getDataVector());
        } else {
            ValueVectorUtility.validateFull(vector);
        }
    }

    /**
     * Reads a value that must be exactly one IPC stream with one record batch, checks its schema with
     * {@code schemaCheck}, and hands the loaded batch to {@code decoder}. All failures of the bytes
     * themselves are MALFORMED_IPC; the checks report their own reasons.
     */
    static <T> T decodeSingleBatch(
            byte[] value, int maxBytes, String what, SchemaCheck schemaCheck, RootDecoder<T> decoder) {
        if (value == null) {
            throw new InvalidRecordException(ReasonCode.NULL_VALUE, what + " record has a null value");
        }
        if (value.length > maxBytes) {
            throw new InvalidRecordException(
                    ReasonCode.OVERSIZED,
                    what + " record of " + value.length + " bytes exceeds the limit of " + maxBytes + " bytes");
        }
        try (BufferAllocator allocator = childAllocator("decode-" + what, value.length)) {
            return decodeWith(allocator, value, maxBytes, what, schemaCheck, decoder);
        }
    }

    private static <T> T decodeWith(
            BufferAllocator allocator,
            byte[] value,
            int maxBytes,
            String what,
            SchemaCheck schemaCheck,
            RootDecoder<T> decoder) {
        MessageReader reader = new MessageReader(
                Channels.newChannel(new java.io.ByteArrayInputStream(value)), value.length, maxBytes);
        try {
            Schema schema = readSchema(reader.next());
            schemaCheck.check(schema);
            Message batchMessage = reader.next();
            if (batchMessage == null) {
                throw malformed(what + " stream holds a schema but no record batch; expected exactly one");
            }
            try (VectorSchemaRoot root = VectorSchemaRoot.create(schema, allocator)) {
                loadBatch(reader, batchMessage, root, allocator);
                if (reader.next() != null) {
                    throw malformed(what + " stream holds more than one message after its schema;"
                            + " expected exactly one record batch");
                }
                if (!reader.atEndOfInput()) {
                    throw malformed(what + " value has bytes after its end-of-stream marker");
                }
                return decoder.decode(schema, root);
            }
        } catch (InvalidRecordException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new InvalidRecordException(
                    ReasonCode.MALFORMED_IPC, what + " value is not a valid Arrow IPC stream: " + e, e);
        }
    }

    /** Checks a decoded schema, throwing {@link InvalidRecordException} with the reason. */
    @FunctionalInterface
    interface SchemaCheck {
        void check(Schema schema);
    }

    /** Turns a loaded, validated batch into a domain object. */
    @FunctionalInterface
    interface RootDecoder<T> {
        T decode(Schema schema, VectorSchemaRoot root);
    }

    // ---- schema checks shared by the codecs ----

    /**
     * The only field called {@code name}, of type {@code expected}, not dictionary-encoded.
     * Nullability is not checked: pyarrow marks fields nullable by default, so null values are
     * rejected one by one instead (see {@link #requireNoNulls}).
     */
    static Field requireField(Schema schema, String name, ArrowType expected) {
        Field found = requireNamedField(schema, name);
        if (!found.getType().equals(expected)) {
            throw new InvalidRecordException(
                    ReasonCode.WRONG_TYPE,
                    "column '" + name + "' must be " + expected + ", got " + found.getType());
        }
        return found;
    }

    /** The only field called {@code name}, whatever its type. */
    static Field requireNamedField(Schema schema, String name) {
        Field found = null;
        for (Field field : schema.getFields()) {
            if (field.getName().equals(name)) {
                if (found != null) {
                    throw new InvalidRecordException(
                            ReasonCode.WRONG_TYPE, "column '" + name + "' appears more than once");
                }
                found = field;
            }
        }
        if (found == null) {
            throw new InvalidRecordException(
                    ReasonCode.MISSING_COLUMN,
                    "required column '" + name + "' is missing; the schema has "
                            + schema.getFields().stream().map(Field::getName).toList());
        }
        if (found.getDictionary() != null) {
            throw new InvalidRecordException(
                    ReasonCode.WRONG_TYPE, "column '" + name + "' must not be dictionary-encoded");
        }
        return found;
    }

    /** The single child of a list-like field, which must be of type {@code expected}. */
    static void requireChild(Field parent, ArrowType expected) {
        List<Field> children = parent.getChildren();
        if (children.size() != 1 || !children.get(0).getType().equals(expected)
                || children.get(0).getDictionary() != null) {
            throw new InvalidRecordException(
                    ReasonCode.WRONG_TYPE,
                    "column '" + parent.getName() + "' must hold " + expected + " items, got "
                            + children.stream().map(Field::getType).toList());
        }
    }

    /** The value of a required metadata key. */
    static String requireMetadata(Schema schema, String key) {
        Map<String, String> metadata = schema.getCustomMetadata();
        String value = metadata == null ? null : metadata.get(key);
        if (value == null) {
            throw new InvalidRecordException(
                    ReasonCode.MISSING_COLUMN, "required schema metadata key '" + key + "' is missing");
        }
        return value;
    }

    /** Rejects any schema version but {@link WireFormat#SCHEMA_VERSION}. */
    static void requireSchemaVersion(Schema schema) {
        String version = requireMetadata(schema, WireFormat.META_SCHEMA_VERSION);
        if (!WireFormat.SCHEMA_VERSION_TEXT.equals(version.trim())) {
            throw new InvalidRecordException(
                    ReasonCode.UNSUPPORTED_VERSION,
                    WireFormat.META_SCHEMA_VERSION + " is '" + version + "'; this build reads version "
                            + WireFormat.SCHEMA_VERSION + " only");
        }
    }

    /** A decimal metadata value within {@code [min, max]}. */
    static long requireLongMetadata(Schema schema, String key, long min, long max) {
        String text = requireMetadata(schema, key);
        long value;
        try {
            value = Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            throw new InvalidRecordException(
                    ReasonCode.INVALID_VALUE, "metadata '" + key + "' must be a decimal integer, got '" + text + "'");
        }
        if (value < min || value > max) {
            throw new InvalidRecordException(
                    ReasonCode.INVALID_VALUE,
                    "metadata '" + key + "' must be in [" + min + ", " + max + "], got " + value);
        }
        return value;
    }

    /** Rejects a column (and its list items) holding any null. */
    static void requireNoNulls(FieldVector vector) {
        int nulls = vector.getNullCount();
        if (nulls > 0) {
            int first = 0;
            while (first < vector.getValueCount() && !vector.isNull(first)) {
                first++;
            }
            throw new InvalidRecordException(
                    ReasonCode.NULL_VALUE,
                    "column '" + vector.getName() + "' holds " + nulls + " null(s), first at row " + first
                            + "; every value is required");
        }
        for (FieldVector child : vector.getChildrenFromFields()) {
            requireNoNulls(child);
        }
    }

    static InvalidRecordException malformed(String message) {
        return new InvalidRecordException(ReasonCode.MALFORMED_IPC, message);
    }
}
