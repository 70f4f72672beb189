using System.Buffers.Binary;
using System.IO.Compression;

namespace Mkcdrec.SystemTests.Report;

/// <summary>
/// A small PNG reader for the screenshot tests: 8-bit RGB or RGBA, not interlaced (what Chromium writes). Checks the
/// signature, reads IHDR, inflates the IDAT chunks (zlib) and undoes the five row filters.
/// </summary>
internal sealed class PngImage
{
    private static readonly byte[] Signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0d, 0x0a, 0x1a, 0x0a];
    private readonly byte[] _pixels;
    private readonly int _channels;

    private PngImage(int width, int height, int channels, byte[] pixels)
    {
        Width = width;
        Height = height;
        _channels = channels;
        _pixels = pixels;
    }

    public int Width { get; }

    public int Height { get; }

    public (byte R, byte G, byte B) this[int x, int y]
    {
        get
        {
            var i = ((y * Width) + x) * _channels;
            return (_pixels[i], _pixels[i + 1], _pixels[i + 2]);
        }
    }

    public static PngImage Read(byte[] png)
    {
        if (png.Length < 8 || !png.AsSpan(0, 8).SequenceEqual(Signature))
        {
            throw new InvalidDataException("not a PNG: the signature is wrong");
        }

        int width = 0, height = 0, channels = 0;
        using var idat = new MemoryStream();
        for (var pos = 8; pos + 12 <= png.Length;)
        {
            var length = (int)BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(pos));
            var type = System.Text.Encoding.ASCII.GetString(png, pos + 4, 4);
            var data = png.AsSpan(pos + 8, length);
            if (type == "IHDR")
            {
                width = (int)BinaryPrimitives.ReadUInt32BigEndian(data);
                height = (int)BinaryPrimitives.ReadUInt32BigEndian(data[4..]);
                var (depth, colour, interlace) = (data[8], data[9], data[12]);
                channels = colour switch { 2 => 3, 6 => 4, _ => throw new InvalidDataException($"PNG colour type {colour} is not read here") };
                if (depth != 8 || interlace != 0)
                {
                    throw new InvalidDataException($"PNG bit depth {depth}, interlace {interlace} are not read here");
                }
            }
            else if (type == "IDAT")
            {
                idat.Write(data);
            }
            else if (type == "IEND")
            {
                break;
            }

            pos += 12 + length;
        }

        idat.Position = 0;
        using var z = new ZLibStream(idat, CompressionMode.Decompress);
        var raw = new MemoryStream();
        z.CopyTo(raw);
        return new PngImage(width, height, channels, Unfilter(raw.ToArray(), width, height, channels));
    }

    /// <summary>How many pixels are within <paramref name="tolerance"/> of an #rrggbb colour in each channel.</summary>
    public int Count(string hex, int tolerance = 2)
    {
        var (r, g, b) = (Convert.ToInt32(hex[1..3], 16), Convert.ToInt32(hex[3..5], 16), Convert.ToInt32(hex[5..7], 16));
        var n = 0;
        for (var i = 0; i < _pixels.Length; i += _channels)
        {
            if (Math.Abs(_pixels[i] - r) <= tolerance && Math.Abs(_pixels[i + 1] - g) <= tolerance && Math.Abs(_pixels[i + 2] - b) <= tolerance)
            {
                n++;
            }
        }

        return n;
    }

    private static byte[] Unfilter(byte[] raw, int width, int height, int bpp)
    {
        var stride = width * bpp;
        if (raw.Length < height * (stride + 1))
        {
            throw new InvalidDataException($"PNG data is {raw.Length} bytes, {height} rows of {stride + 1} need {height * (stride + 1)}");
        }

        var output = new byte[height * stride];
        for (var y = 0; y < height; y++)
        {
            var filter = raw[y * (stride + 1)];
            var src = raw.AsSpan((y * (stride + 1)) + 1, stride);
            var row = output.AsSpan(y * stride, stride);
            ReadOnlySpan<byte> prior = y == 0 ? new byte[stride] : output.AsSpan((y - 1) * stride, stride);
            for (var x = 0; x < stride; x++)
            {
                int a = x >= bpp ? row[x - bpp] : 0, b = prior[x], c = x >= bpp ? prior[x - bpp] : 0;
                row[x] = (byte)(src[x] + filter switch
                {
                    0 => 0,
                    1 => a,
                    2 => b,
                    3 => (a + b) / 2,
                    4 => Paeth(a, b, c),
                    _ => throw new InvalidDataException($"PNG row {y} has filter type {filter}"),
                });
            }
        }

        return output;
    }

    private static int Paeth(int a, int b, int c)
    {
        var p = a + b - c;
        var (pa, pb, pc) = (Math.Abs(p - a), Math.Abs(p - b), Math.Abs(p - c));
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
}
