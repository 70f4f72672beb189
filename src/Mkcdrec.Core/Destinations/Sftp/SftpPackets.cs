using System.Buffers.Binary;
using System.Text;

namespace Mkcdrec.Core.Destinations.Sftp;

/// <summary>SFTP version 3 packet types (draft-ietf-secsh-filexfer-02), as OpenSSH's sftp-server speaks them.</summary>
internal enum SftpType : byte
{
    Init = 1,
    Version = 2,
    Open = 3,
    Close = 4,
    Read = 5,
    Write = 6,
    Opendir = 11,
    Readdir = 12,
    Remove = 13,
    Mkdir = 14,
    Rmdir = 15,
    Stat = 17,
    Rename = 18,
    Status = 101,
    Handle = 102,
    Data = 103,
    Name = 104,
    Attrs = 105,
    Extended = 200,
    ExtendedReply = 201,
}

/// <summary>SFTP status codes and open flags used here.</summary>
internal static class SftpCodes
{
    public const uint Ok = 0;
    public const uint Eof = 1;
    public const uint NoSuchFile = 2;
    public const uint PermissionDenied = 3;
    public const uint Failure = 4;

    public const uint OpenRead = 0x01;
    public const uint OpenWrite = 0x02;
    public const uint OpenCreate = 0x08;
    public const uint OpenTruncate = 0x10;

    public const uint AttrSize = 0x01;
    public const uint AttrUidGid = 0x02;
    public const uint AttrPermissions = 0x04;
    public const uint AttrTimes = 0x08;
    public const uint AttrExtended = 0x80000000;

    /// <summary>The largest packet OpenSSH's sftp-server takes (SFTP_MAX_MSG_LENGTH), and the largest we accept.</summary>
    public const int MaxPacket = 256 * 1024;
}

/// <summary>Builds one packet: uint32 length, byte type, the fields big-endian, strings length-prefixed.</summary>
internal sealed class SftpPacketWriter
{
    private readonly MemoryStream _body = new();

    public SftpPacketWriter(SftpType type, uint? id)
    {
        _body.Write([0, 0, 0, 0, (byte)type]);
        if (id is { } i)
        {
            U32(i);
        }
    }

    public SftpPacketWriter U32(uint v)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(b, v);
        _body.Write(b);
        return this;
    }

    public SftpPacketWriter U64(ulong v)
    {
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(b, v);
        _body.Write(b);
        return this;
    }

    public SftpPacketWriter Bytes(ReadOnlySpan<byte> v)
    {
        U32((uint)v.Length);
        _body.Write(v);
        return this;
    }

    public SftpPacketWriter Str(string v) => Bytes(Encoding.UTF8.GetBytes(v));

    /// <summary>ATTRS with no field set.</summary>
    public SftpPacketWriter NoAttrs() => U32(0);

    public byte[] ToArray()
    {
        var a = _body.ToArray();
        BinaryPrimitives.WriteUInt32BigEndian(a, (uint)(a.Length - 4));
        return a;
    }
}

/// <summary>WRITE requests framed in place in a reusable buffer, so a piece of data costs one copy and one pipe write.</summary>
internal static class SftpWritePacket
{
    /// <summary>The bytes before the data: length, type, id, handle, offset, data length.</summary>
    public static int HeaderLength(int handleLength) => 4 + 1 + 4 + 4 + handleLength + 8 + 4;

    /// <summary>Writes the header of a WRITE of <paramref name="dataLength"/> bytes into <paramref name="packet"/>; the data goes after it.</summary>
    public static int WriteHeader(Span<byte> packet, uint id, ReadOnlySpan<byte> handle, ulong offset, int dataLength)
    {
        var head = HeaderLength(handle.Length);
        BinaryPrimitives.WriteUInt32BigEndian(packet, (uint)(head - 4 + dataLength));
        packet[4] = (byte)SftpType.Write;
        BinaryPrimitives.WriteUInt32BigEndian(packet[5..], id);
        BinaryPrimitives.WriteUInt32BigEndian(packet[9..], (uint)handle.Length);
        handle.CopyTo(packet[13..]);
        BinaryPrimitives.WriteUInt64BigEndian(packet[(13 + handle.Length)..], offset);
        BinaryPrimitives.WriteUInt32BigEndian(packet[(21 + handle.Length)..], (uint)dataLength);
        return head;
    }
}

/// <summary>Reads the fields of one received packet's payload (after its type): the first <paramref name="length"/> bytes of <paramref name="data"/>.</summary>
internal sealed class SftpPacketReader(byte[] data, int length)
{
    private int _pos;

    public SftpPacketReader(byte[] data)
        : this(data, data.Length)
    {
    }

    public bool AtEnd => _pos >= length;

    public uint U32() => BinaryPrimitives.ReadUInt32BigEndian(Take(4));

    public ulong U64() => BinaryPrimitives.ReadUInt64BigEndian(Take(8));

    public byte[] Bytes() => Take((int)U32()).ToArray();

    /// <summary>A string field where it lies, without a copy (a READ's data): valid until the buffer is read into again.</summary>
    public ArraySegment<byte> Field()
    {
        var n = (int)U32();
        Take(n);
        return new ArraySegment<byte>(data, _pos - n, n);
    }

    public string Str() => Encoding.UTF8.GetString(Bytes());

    /// <summary>ATTRS: the size, whether it is a directory and the mtime (what a listing needs); the rest skipped.</summary>
    public (long Size, bool Directory, DateTimeOffset Modified) Attrs()
    {
        var flags = U32();
        long size = 0;
        var dir = false;
        var mtime = DateTimeOffset.UnixEpoch;
        if ((flags & SftpCodes.AttrSize) != 0)
        {
            size = (long)U64();
        }

        if ((flags & SftpCodes.AttrUidGid) != 0)
        {
            U64();
        }

        if ((flags & SftpCodes.AttrPermissions) != 0)
        {
            dir = (U32() & 0xF000) == 0x4000;
        }

        if ((flags & SftpCodes.AttrTimes) != 0)
        {
            U32();
            mtime = DateTimeOffset.FromUnixTimeSeconds(U32());
        }

        if ((flags & SftpCodes.AttrExtended) != 0)
        {
            for (var n = U32(); n > 0; n--)
            {
                Bytes();
                Bytes();
            }
        }

        return (size, dir, mtime);
    }

    /// <summary>The next <paramref name="n"/> bytes; a field that runs past the packet throws (a malformed answer).</summary>
    private ReadOnlySpan<byte> Take(int n)
    {
        var v = data.AsSpan(0, length).Slice(_pos, n);
        _pos += n;
        return v;
    }
}
