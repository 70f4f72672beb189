namespace Mkcdrec.TestVm;

/// <summary>The firmware the guest boots with. <see cref="Uefi"/> uses OVMF on a q35 machine, so the guest sees /sys/firmware/efi.</summary>
public enum Firmware
{
    Bios,
    Uefi,
}

/// <summary>Byte sizes for <see cref="TestVmOptions.Disks"/>: <c>Disks = [Size.GiB(1), Size.MiB(512)]</c>.</summary>
public static class Size
{
    public static long MiB(long n) => n * 1024 * 1024;

    public static long GiB(long n) => n * 1024 * 1024 * 1024;
}

/// <summary>What guest to boot.</summary>
public sealed record TestVmOptions
{
    /// <summary>Scratch disks, in order: the guest sees them as $SCRATCH0.. (/dev/vdb, /dev/vdc, ...) and /dev/disk/by-id/virtio-scratchN. Sparse files on the host.</summary>
    public IReadOnlyList<long> Disks { get; init; } = [];

    public Firmware Firmware { get; init; } = Firmware.Bios;

    public int MemoryMiB { get; init; } = 2048;

    public int Cpus { get; init; } = 2;

    /// <summary>A virtio NIC on QEMU's user network. The test guest's init neither loads virtio_net nor configures it: the
    /// test does (modprobe virtio_net; 10.0.2.15/24, default via 10.0.2.2, as NfsBackupTests). The guest reaches the
    /// host's 127.0.0.1 as 10.0.2.2 (a <c>LoopbackHttpServer</c>); by default the guest has no NIC at all.</summary>
    public bool UserNetwork { get; init; }

    /// <summary>Start QEMU inside this network namespace (the test made it): with <see cref="UserNetwork"/>, the guest's
    /// 10.0.2.2 is that namespace's 127.0.0.1, where the test runs its server.</summary>
    public string? NetworkNamespace { get; init; }

    /// <summary>Files to put in the job share before boot: key = path relative to the guest's /job (e.g. "files/layout.json",
    /// or "bin/tool" to put a program on the guest's PATH), value = host path of a file or directory.</summary>
    public IReadOnlyDictionary<string, string> ExtraFiles { get; init; } = new Dictionary<string, string>();

    /// <summary>The mkcdrec binary to put on the guest's PATH; default: out/linux-x64/mkcdrec of the repository.</summary>
    public string? MkcdrecBinary { get; init; }

    /// <summary>When true (default), starting fails if the mkcdrec binary is missing (run ./build.sh first).</summary>
    public bool RequireMkcdrec { get; init; } = true;

    /// <summary>How long to wait for the guest's agent to report ready (TCG: about 20-40 s).</summary>
    public TimeSpan BootTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The timeout of <see cref="TestVm.Run"/> when the caller gives none.</summary>
    public TimeSpan DefaultCommandTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Progress messages (image build, boot); default: standard error.</summary>
    public Action<string>? Log { get; init; }
}

/// <summary>What a command in the guest produced. <see cref="Stdout"/> and <see cref="Stderr"/> are exactly its bytes, as UTF-8.</summary>
public sealed record GuestResult(int ExitCode, string Stdout, string Stderr, TimeSpan Duration)
{
    public bool Succeeded => ExitCode == 0;

    public override string ToString() =>
        $"exit code {ExitCode} after {Duration.TotalSeconds:F1} s\n--- stdout:\n{Tail(Stdout)}\n--- stderr:\n{Tail(Stderr)}";

    internal static string Tail(string s, int max = 4000) => ReportText.Printable(s.Length <= max ? s : "[...]" + s[^max..]);
}

/// <summary>The guest or the runner failed (not the command: that is a <see cref="GuestCommandException"/>).</summary>
public class TestVmException : Exception
{
    public TestVmException(string message)
        : base(message)
    {
    }

    public TestVmException(string message, Exception inner)
        : base(message, inner)
    {
    }
}

/// <summary>A command run with <see cref="TestVm.RunChecked"/> exited non-zero.</summary>
public sealed class GuestCommandException : Exception
{
    public GuestCommandException(string script, GuestResult result)
        : base($"The guest command failed with {result}\n--- script:\n{GuestResult.Tail(script, 2000)}")
    {
        Script = script;
        Result = result;
    }

    public string Script { get; }

    public GuestResult Result { get; }
}
