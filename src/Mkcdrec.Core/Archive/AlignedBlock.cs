namespace Mkcdrec.Core.Archive;

/// <summary>
/// Memory for direct I/O (O_DIRECT): a block that starts at a 4096-byte address, in a pinned array (it never moves).
/// </summary>
internal static class AlignedBlock
{
    /// <summary>The alignment of address, length and file offset that direct writes need (the largest common logical block size).</summary>
    public const int Alignment = 4096;

    public static unsafe ArraySegment<byte> Allocate(int size)
    {
        var a = GC.AllocateUninitializedArray<byte>(size + Alignment, pinned: true);
        fixed (byte* p = a)
        {
            var skip = (int)((Alignment - (nuint)p % Alignment) % Alignment);
            return new ArraySegment<byte>(a, skip, size);
        }
    }
}
