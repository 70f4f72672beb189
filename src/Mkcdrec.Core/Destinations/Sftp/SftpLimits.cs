namespace Mkcdrec.Core.Destinations.Sftp;

/// <summary>
/// The largest READ and WRITE the server takes. OpenSSH (8.6 and later) says so through limits@openssh.com: 255 KiB of
/// data in a message of at most 256 KiB. A server without it gets 64 KiB pieces, which every SFTP server we know takes.
/// Fewer, larger pieces are fewer packets for ssh, sshd and us to frame, send and answer.
/// </summary>
internal sealed record SftpLimits(int MaxRead, int MaxWrite)
{
    /// <summary>What we ever ask for: OpenSSH's own SFTP_MAX_READ_LENGTH (its message limit less 1 KiB for the framing).</summary>
    public const int Ceiling = SftpCodes.MaxPacket - 1024;

    public static readonly SftpLimits Default = new(64 * 1024, 64 * 1024);

    /// <summary>Asks the server when it offers the extension; otherwise, or when it answers something else, <see cref="Default"/>.</summary>
    public static SftpLimits Query(SftpSession s)
    {
        if (!s.Extensions.Contains("limits@openssh.com"))
        {
            return Default;
        }

        lock (s.Lock)
        {
            var id = s.NextId();
            s.SendPacket(new SftpPacketWriter(SftpType.Extended, id).Str("limits@openssh.com").ToArray());
            var (type, r) = s.Receive(id);
            if (type != SftpType.ExtendedReply)
            {
                return Default;
            }

            var packet = r.U64();
            var read = r.U64();
            var write = r.U64();
            return new SftpLimits(Piece(read, packet, Default.MaxRead), Piece(write, packet, Default.MaxWrite));
        }
    }

    /// <summary>The data length to use: the server's, within its packet limit (less the framing) and our ceiling; 0 means "not said".</summary>
    private static int Piece(ulong length, ulong packet, int fallback)
    {
        var framed = packet == 0 ? ulong.MaxValue : packet - Math.Min(packet, 1024);
        var n = Math.Min(Math.Min(length == 0 ? (ulong)fallback : length, framed), Ceiling);
        return n == 0 ? fallback : (int)n;
    }
}
