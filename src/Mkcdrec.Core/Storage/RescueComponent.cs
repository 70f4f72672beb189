using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Storage;

/// <summary>A program a component needs in the rescue system.</summary>
/// <param name="Name">The command name (searched in /usr/sbin, /usr/bin, /sbin, /bin unless <see cref="Paths"/> is given).</param>
/// <param name="Package">The Debian package that provides it (for the hint when it is missing).</param>
public sealed record RescueProgram(string Name, string Package)
{
    /// <summary>Absolute places to look, in order, instead of the command directories.</summary>
    public IReadOnlyList<string> Paths { get; init; } = [];

    /// <summary>More names for the same program, made as symbolic links beside it (lvm → pvcreate, vgcreate …).</summary>
    public IReadOnlyList<string> Links { get; init; } = [];

    /// <summary>Never required, even when its component is (a repair extra).</summary>
    public bool AlwaysOptional { get; init; }
}

/// <summary>What the rescue system is built for: the layout it must recreate and the options it was asked for.</summary>
public sealed record RescueNeeds(LayoutDocument? Layout, bool Sshd)
{
    /// <summary>The URL schemes of the backup locations the rescue system must reach ("nfs", "sftp", "s3", "https").</summary>
    public IReadOnlyCollection<string> BackupSchemes { get; init; } = [];

    public bool Reaches(string scheme) => BackupSchemes.Contains(scheme, StringComparer.OrdinalIgnoreCase);

    public bool HasFilesystem(params string[] types) =>
        Layout is not null && Layout.Filesystems.Any(f => types.Contains(f.Type, StringComparer.Ordinal));
}

/// <summary>
/// A part of the rescue system: the programs, kernel modules and data files it needs. <see cref="RequiredWhen"/>
/// decides whether a missing program fails the build (e.g. mkfs.xfs only when the layout has XFS); otherwise a
/// missing program is skipped with a note. <see cref="IncludedWhen"/> leaves a component out entirely (sshd).
/// </summary>
public sealed record RescueComponent(string Name, string Purpose)
{
    public IReadOnlyList<RescueProgram> Programs { get; init; } = [];

    /// <summary>Module names or aliases (resolved over modules.alias; missing ones are noted, not fatal).</summary>
    public IReadOnlyList<string> Modules { get; init; } = [];

    /// <summary>Files or directories copied as they are when they exist (directories recursively).</summary>
    public IReadOnlyList<string> DataPaths { get; init; } = [];

    /// <summary>
    /// Modules /init loads at boot because nothing would ask for them in time (device nodes such as
    /// /dev/mapper/control, the medium's filesystem). Everything else is loaded by udev (hardware) or by the
    /// kernel on first use (filesystems on mount, RAID personalities, dm targets, crypto algorithms).
    /// </summary>
    public IReadOnlyList<string> BootModules { get; init; } = [];

    /// <summary>Files under <see cref="DataPaths"/> that are left out (as the host names them).</summary>
    public IReadOnlyList<string> ExcludePaths { get; init; } = [];

    /// <summary>Shared libraries the programs open with dlopen (not in DT_NEEDED), by SONAME.</summary>
    public IReadOnlyList<string> DlopenLibraries { get; init; } = [];

    public Func<RescueNeeds, bool> RequiredWhen { get; init; } = _ => false;

    public Func<RescueNeeds, bool> IncludedWhen { get; init; } = _ => true;
}
