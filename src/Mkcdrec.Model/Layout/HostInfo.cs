namespace Mkcdrec.Model.Layout;

public sealed class HostInfo
{
    public string Hostname { get; set; } = "";

    public string Architecture { get; set; } = "";

    public string KernelRelease { get; set; } = "";

    public string? OsId { get; set; }

    public string? OsVersionId { get; set; }

    public string? OsPrettyName { get; set; }

    /// <summary>SELinux is enabled on the host (/sys/fs/selinux/enforce exists): recovery asks for a relabel at first boot. Null: not captured.</summary>
    public bool? SelinuxEnabled { get; set; }
}
