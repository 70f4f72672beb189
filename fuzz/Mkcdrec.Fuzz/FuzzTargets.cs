using Mkcdrec.Core;
using Mkcdrec.Formats.Cpio;
using Mkcdrec.Formats.Elf;
using Mkcdrec.Formats.Kernel;
using Mkcdrec.Formats.Luks;
using Mkcdrec.Formats.Partitioning;
using Mkcdrec.Formats.Pe;
using Mkcdrec.Formats.Tar;

namespace Mkcdrec.Fuzz;

/// <summary>A parser took more memory than its input can justify: it allocated from a size field without checking it.</summary>
public sealed class AllocationBudgetException(string message) : Exception(message);

/// <summary>
/// One fuzz target per parser of outside input: the bytes go to the parser's public read entry point and everything
/// it returns is consumed. Accepting or refusing with <see cref="InvalidDataException"/> (the documented error of every
/// Formats reader) is clean; any other exception is a bug. Shared by the AFL harness and Mkcdrec.Formats.Tests.
/// </summary>
public static class FuzzTargets
{
    /// <summary>Memory a parse may take beyond a multiple of its input (fixed buffers: the tar reader's 64 KiB, a GPT of 128 entries…).</summary>
    public const long AllocationAllowance = 4 << 20;

    /// <summary>Bytes a parse may allocate per input byte (sector reads, copies into arrays and strings, JSON documents).</summary>
    public const long AllocationPerInputByte = 32;

    /// <summary>Every target: the binary formats here and the documents of <see cref="DocumentTargets"/>.</summary>
    public static readonly IReadOnlyDictionary<string, Action<byte[]>> All = new Dictionary<string, Action<byte[]>>(DocumentTargets.All)
    {
        ["gpt"] = Gpt,
        ["mbr"] = Mbr,
        ["luks"] = Luks,
        ["tar"] = Tar,
        ["cpio"] = Cpio,
        ["elf"] = Elf,
        ["bzimage"] = BzImageTarget,
        ["pe"] = PeTarget,
    };

    /// <summary>Runs <paramref name="target"/> on <paramref name="data"/>: null when the parser accepted it, else its clean refusal's message.</summary>
    /// <exception cref="AllocationBudgetException">The parse allocated more than the budget for this input size.</exception>
    public static string? Run(string target, byte[] data)
    {
        var action = All[target];
        long before = GC.GetAllocatedBytesForCurrentThread();
        string? refusal = null;
        try
        {
            action(data);
        }
        catch (InvalidDataException e)
        {
            refusal = e.Message;
        }
        catch (MkcdrecException e)
        {
            // The planner's refusals (a layout it cannot recreate) are our error type, with a reason and a remedy.
            refusal = e.Message;
        }

        long used = GC.GetAllocatedBytesForCurrentThread() - before;
        long budget = AllocationAllowance + (AllocationPerInputByte * data.Length);
        if (used > budget)
        {
            throw new AllocationBudgetException($"{target}: parsing {data.Length} bytes allocated {used} bytes (budget {budget})");
        }

        return refusal;
    }

    // GPT and MBR go through the same reader (it detects the table); the targets differ by their seeds. GPT is read with
    // both sector sizes (the reader refuses a table made for the other one) and with its CRCs fixed up.
    private static void Gpt(byte[] data)
    {
        if (data.Length >= 1024)
        {
            try
            {
                GptHeader.Read(data.AsSpan(512, 512), 1);
            }
            catch (InvalidDataException)
            {
                // The header alone may be refused; the whole reader may still fall back to the backup.
            }
        }

        AcceptedByAny(
            () => ReadTable(data, 512),
            () => ReadTable(data, 4096),
            () => ReadTable(ChecksumFixups.Gpt(data, 512), 512),
            () => ReadTable(ChecksumFixups.Gpt(data, 4096), 4096));
    }

    private static void Mbr(byte[] data) => ReadTable(data, 512);

    private static void ReadTable(byte[] data, int sectorSize)
    {
        using var device = new MemoryStream(data, writable: false);
        var result = PartitionTableReader.Read(device, sectorSize, data.Length);
        foreach (var p in result.Gpt?.Partitions ?? [])
        {
            _ = p.Name.Length + p.FirstLba;
        }

        foreach (var p in result.Mbr?.Partitions ?? [])
        {
            _ = p.LastLba;
        }
    }

    private static void Luks(byte[] data)
    {
        _ = LuksHeader.RequiredLength(data.AsSpan(0, Math.Min(data.Length, 4096)));
        var h = LuksHeader.Read(data);
        _ = h.Cipher.Length + h.Uuid.Length;
    }

    private static void Tar(byte[] data) => AcceptedByAny(() => ReadTar(data), () => ReadTar(ChecksumFixups.Tar(data)));

    private static void ReadTar(byte[] data)
    {
        using var input = new MemoryStream(data, writable: false);
        var reader = new PaxTarReader(input, bufferSize: 64 * 1024);
        var e = new TarEntry();
        while (reader.TryReadNext(e))
        {
            while (reader.ReadData(4096).Length > 0)
            {
            }

            // Restore turns these records into xattrs and deletions: they are outside input too.
            if (e.AclAccess is { } acl)
            {
                PosixAcl.FromText(acl);
            }

            if (e.AclDefault is { } dacl)
            {
                PosixAcl.FromText(dacl);
            }

            if (e.DumpDir is { } dumpdir)
            {
                GnuDumpDir.Parse(dumpdir, "fuzz");
            }
        }
    }

    /// <summary>Runs every parse; the input is refused (the last refusal is thrown) only when every one refuses it.</summary>
    public static void AcceptedByAny(params Action[] parses)
    {
        InvalidDataException? refusal = null;
        var accepted = false;
        foreach (var parse in parses)
        {
            try
            {
                parse();
                accepted = true;
            }
            catch (InvalidDataException e)
            {
                refusal = e;
            }
        }

        if (!accepted)
        {
            throw refusal!;
        }
    }

    private static void Cpio(byte[] data)
    {
        foreach (var e in CpioReader.ReadAll(data))
        {
            _ = e.Name.Length + e.Data.Length;
        }
    }

    private static void Elf(byte[] data)
    {
        var elf = ElfFile.Read(data);
        _ = elf.Needed.Count + (elf.Interpreter?.Length ?? 0);
    }

    private static void PeTarget(byte[] data)
    {
        using var image = new MemoryStream(data, writable: false);
        var info = PeSignature.Read(image);
        _ = info.SubjectNames.Count() + info.Certificates.Sum(c => c.Issuer.Length);
    }

    private static void BzImageTarget(byte[] data)
    {
        _ = BzImage.Read(data).Release;
        using var image = new MemoryStream(data, writable: false);
        _ = BzImage.Read(image).Version;
    }
}
