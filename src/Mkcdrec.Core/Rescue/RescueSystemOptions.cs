using Mkcdrec.Core.Storage;
using Mkcdrec.Formats.Cpio;
using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Rescue;

public sealed record RescueSystemOptions
{
    /// <summary>Where the kernel and the initramfs are written (created when missing).</summary>
    public required string WorkDirectory { get; init; }

    /// <summary>The kernel image; null = the running kernel, /boot/vmlinuz-$(uname -r).</summary>
    public string? Kernel { get; init; }

    /// <summary>The mkcdrec binary (NativeAOT) to put at /usr/bin/mkcdrec; null = the running executable.</summary>
    public string? MkcdrecBinary { get; init; }

    /// <summary>The layout the rescue system recreates: /etc/mkcdrec/layout.json; also decides which tools are required.</summary>
    public LayoutDocument? Layout { get; init; }

    /// <summary>Copy the firmware files the included modules name (modinfo -F firmware).</summary>
    public bool Firmware { get; init; }

    /// <summary>Include the OpenSSH server (started at boot, public-key login for root only).</summary>
    public bool Sshd { get; init; }

    /// <summary>Public keys allowed to log in as root when <see cref="Sshd"/> is on (default /root/.ssh/authorized_keys).</summary>
    public string? AuthorizedKeysFile { get; init; }

    /// <summary>
    /// The schemes of the backup locations the rescue system fetches from (nfs, sftp, s3, https): it carries the NFS
    /// client or OpenSSH's client only when one of them needs it.
    /// </summary>
    public IReadOnlyCollection<string> BackupSchemes { get; init; } = [];

    /// <summary>More programs (names in PATH or absolute paths); each is required.</summary>
    public IReadOnlyList<string> ExtraPrograms { get; init; } = [];

    /// <summary>More kernel modules (names or aliases).</summary>
    public IReadOnlyList<string> ExtraModules { get; init; } = [];

    /// <summary>Also include the modules loaded now (/proc/modules).</summary>
    public bool LoadedModules { get; init; } = true;

    public InitramfsCompressionKind Compression { get; init; } = InitramfsCompressionKind.Zstd;

    /// <summary>zstd 1..19 (default 15) or gzip 1..9.</summary>
    public int? CompressionLevel { get; init; }

    public IReadOnlyList<RescueComponent> Components { get; init; } = RescueComponents.All;
}

/// <summary>What the builder produced.</summary>
public sealed record RescueSystem
{
    public required string KernelPath { get; init; }

    public required string InitramfsPath { get; init; }

    /// <summary>The kernel release (uname -r in the rescue system).</summary>
    public required string KernelVersion { get; init; }

    /// <summary>The whole version string of the kernel image.</summary>
    public required string KernelVersionText { get; init; }

    public required long InitramfsBytes { get; init; }

    /// <summary>The size of the cpio archive before compression.</summary>
    public required long UncompressedBytes { get; init; }

    /// <summary>Module files (relative to /lib/modules/KVER), dependencies first.</summary>
    public required IReadOnlyList<string> Modules { get; init; }

    /// <summary>Programs in the rescue system (their paths there).</summary>
    public required IReadOnlyList<string> Programs { get; init; }

    /// <summary>Optional programs that were not found, with the package that has them.</summary>
    public required IReadOnlyList<string> SkippedPrograms { get; init; }

    public required IReadOnlyList<string> Firmware { get; init; }

    /// <summary>Things worth knowing (missing optional modules, libraries ...).</summary>
    public required IReadOnlyList<string> Notes { get; init; }

    public required int Entries { get; init; }

    public required TimeSpan Elapsed { get; init; }
}
