using System.Runtime.InteropServices;

namespace Mkcdrec.Core.Archive;

/// <summary>
/// The system's libzstd (libzstd.so.1, in every Debian base system) through its streaming API: the reference
/// implementation compresses ~20% faster than the managed port and decompresses about twice as fast. When the library
/// is missing (or older than 1.4, without the multi-threaded streaming API), <see cref="Available"/> is false and the
/// pipeline uses ZstdSharp; both write the same standard zstd frames.
/// </summary>
internal static unsafe partial class NativeZstd
{
    private const string Lib = "libzstd.so.1";

    // ZSTD_cParameter / ZSTD_dParameter / ZSTD_EndDirective values from zstd.h (stable API since 1.4.0).
    public const int CompressionLevel = 100;
    public const int ChecksumFlag = 201;
    public const int NbWorkers = 400;
    public const int JobSize = 401;
    public const int WindowLogMax = 100;
    private const int EndContinue = 0;
    private const int EndFrame = 2;

    private static readonly Lazy<bool> Probe = new(() =>
    {
        if (Environment.GetEnvironmentVariable("MKCDREC_ZSTD") == "managed")
        {
            return false;
        }

        try
        {
            return ZSTD_versionNumber() >= 10400;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
        {
            return false;
        }
    });

    /// <summary>True when libzstd.so.1 (1.4 or newer) can be loaded. MKCDREC_ZSTD=managed forces the managed port.</summary>
    public static bool Available => Probe.Value;

    /// <summary>The library's version, e.g. "1.5.4" (only when <see cref="Available"/>).</summary>
    public static string Version
    {
        get
        {
            var v = ZSTD_versionNumber();
            return $"{v / 10000}.{v / 100 % 100}.{v % 100}";
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct Buffer
    {
        public byte* Ptr;
        public nuint Size;
        public nuint Pos;
    }

    [LibraryImport(Lib)]
    private static partial uint ZSTD_versionNumber();

    [LibraryImport(Lib)]
    internal static partial nint ZSTD_createCCtx();

    [LibraryImport(Lib)]
    internal static partial nuint ZSTD_freeCCtx(nint cctx);

    [LibraryImport(Lib)]
    internal static partial nuint ZSTD_CCtx_setParameter(nint cctx, int param, int value);

    [LibraryImport(Lib)]
    internal static partial nuint ZSTD_compressStream2(nint cctx, Buffer* output, Buffer* input, int endOp);

    [LibraryImport(Lib)]
    internal static partial nint ZSTD_createDCtx();

    [LibraryImport(Lib)]
    internal static partial nuint ZSTD_freeDCtx(nint dctx);

    [LibraryImport(Lib)]
    internal static partial nuint ZSTD_DCtx_setParameter(nint dctx, int param, int value);

    [LibraryImport(Lib)]
    internal static partial nuint ZSTD_decompressStream(nint dctx, Buffer* output, Buffer* input);

    [LibraryImport(Lib)]
    private static partial uint ZSTD_isError(nuint code);

    [LibraryImport(Lib)]
    private static partial byte* ZSTD_getErrorName(nuint code);

    /// <summary>Returns <paramref name="code"/>, or throws with zstd's error text when it is an error code.</summary>
    internal static nuint Check(nuint code, string what)
    {
        if (ZSTD_isError(code) != 0)
        {
            throw new InvalidDataException($"{what}: {Marshal.PtrToStringUTF8((nint)ZSTD_getErrorName(code))}");
        }

        return code;
    }

    /// <summary>A write-only stream compressing into <c>output</c> with libzstd (multi-threaded when workers &gt; 0).</summary>
    internal sealed class CompressStream : Stream
    {
        private readonly Stream _out;
        private readonly byte[] _buf;
        private nint _cctx;

        public CompressStream(Stream output, int level, int workers, int bufferSize = 1 << 20)
        {
            _out = output;
            _buf = GC.AllocateUninitializedArray<byte>(bufferSize, pinned: true);
            _cctx = ZSTD_createCCtx();
            if (_cctx == 0)
            {
                throw new OutOfMemoryException("ZSTD_createCCtx failed");
            }

            Set(CompressionLevel, level);
            if (workers > 1)
            {
                // A libzstd built without threads refuses nbWorkers: it then compresses on this thread, still correctly.
                if (ZSTD_isError(ZSTD_CCtx_setParameter(_cctx, NbWorkers, workers)) == 0)
                {
                    Workers = workers;
                }
            }
        }

        public int Workers { get; }

        internal void Set(int param, int value) => Check(ZSTD_CCtx_setParameter(_cctx, param, value), $"zstd parameter {param}={value}");

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> data)
        {
            ObjectDisposedException.ThrowIf(_cctx == 0, this);
            fixed (byte* src = data)
            fixed (byte* dst = _buf)
            {
                var input = new Buffer { Ptr = src, Size = (nuint)data.Length };
                while (input.Pos < input.Size)
                {
                    var output = new Buffer { Ptr = dst, Size = (nuint)_buf.Length };
                    Check(ZSTD_compressStream2(_cctx, &output, &input, EndContinue), "zstd compression");
                    if (output.Pos > 0)
                    {
                        _out.Write(_buf, 0, (int)output.Pos);
                    }
                }
            }
        }

        /// <summary>Ends the frame (waits for the workers) and writes the rest.</summary>
        private void Finish()
        {
            fixed (byte* dst = _buf)
            {
                var input = default(Buffer);
                nuint left;
                do
                {
                    var output = new Buffer { Ptr = dst, Size = (nuint)_buf.Length };
                    left = Check(ZSTD_compressStream2(_cctx, &output, &input, EndFrame), "zstd compression");
                    if (output.Pos > 0)
                    {
                        _out.Write(_buf, 0, (int)output.Pos);
                    }
                }
                while (left != 0);
            }
        }

        /// <summary>Frees the context (and its worker threads) without ending the frame.</summary>
        public void Abandon()
        {
            if (_cctx != 0)
            {
                ZSTD_freeCCtx(_cctx);
                _cctx = 0;
            }
        }

        protected override void Dispose(bool disposing)
        {
            if (_cctx != 0)
            {
                try
                {
                    if (disposing)
                    {
                        Finish();
                    }
                }
                finally
                {
                    ZSTD_freeCCtx(_cctx);
                    _cctx = 0;
                }
            }

            base.Dispose(disposing);
        }

        public override void Flush()
        {
        }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }

    /// <summary>A read-only stream decompressing <c>input</c> with libzstd; a stream that ends inside a frame is an error.</summary>
    internal sealed class DecompressStream : Stream
    {
        private readonly Stream _in;
        private readonly byte[] _buf;
        private nint _dctx;
        private int _inPos;
        private int _inLen;
        private bool _eof;
        private nuint _last = 1; // 0 right after a complete, flushed frame; an empty stream is an error too

        public DecompressStream(Stream input, int bufferSize = 1 << 20)
        {
            _in = input;
            _buf = GC.AllocateUninitializedArray<byte>(bufferSize, pinned: true);
            _dctx = ZSTD_createDCtx();
            if (_dctx == 0)
            {
                throw new OutOfMemoryException("ZSTD_createDCtx failed");
            }

            // Accept windows up to 2 GiB (zstd --long=31); the default limit of 128 MiB would refuse such frames.
            Check(ZSTD_DCtx_setParameter(_dctx, WindowLogMax, 31), "zstd window limit");
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            ObjectDisposedException.ThrowIf(_dctx == 0, this);
            if (buffer.Length == 0)
            {
                return 0;
            }

            fixed (byte* dst = buffer)
            fixed (byte* src = _buf)
            {
                while (true)
                {
                    if (_inPos == _inLen && !_eof)
                    {
                        _inLen = _in.Read(_buf, 0, _buf.Length);
                        _inPos = 0;
                        _eof = _inLen == 0;
                    }

                    if (_eof && _inPos == _inLen && _last == 0)
                    {
                        return 0; // the last frame is complete and flushed
                    }

                    var output = new Buffer { Ptr = dst, Size = (nuint)buffer.Length };
                    var input = new Buffer { Ptr = src + _inPos, Size = (nuint)(_inLen - _inPos) };
                    _last = Check(ZSTD_decompressStream(_dctx, &output, &input), "the zstd stream is damaged");
                    _inPos += (int)input.Pos;
                    if (output.Pos > 0)
                    {
                        return (int)output.Pos;
                    }

                    if (_eof && _inPos == _inLen)
                    {
                        if (_last != 0)
                        {
                            throw new InvalidDataException("the zstd stream ends in the middle of a frame: the last volume is incomplete.");
                        }

                        return 0;
                    }
                }
            }
        }

        protected override void Dispose(bool disposing)
        {
            if (_dctx != 0)
            {
                ZSTD_freeDCtx(_dctx);
                _dctx = 0;
            }

            base.Dispose(disposing);
        }

        public override void Flush()
        {
        }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
