namespace Mkcdrec.SystemTests.Recover;

/// <summary>A scratch disk image's logical content (what recovery must not change) and its allocation (shown only).</summary>
public sealed record DiskDigest(string Image, long Length, long Allocated, string Sha256)
{
    public string Content => $"{Image} {Length} bytes, sha256 {Sha256}";

    public override string ToString() => $"{Image} {Length} bytes, {Allocated} allocated, sha256 {Sha256}";
}
