namespace Mkcdrec.Core.Boot.SecureBoot;

/// <summary>What the rescue medium boots UEFI with: <c>--secure-boot</c>.</summary>
public enum SecureBootMode
{
    /// <summary>The distribution's signed chain when the host has it, else mkcdrec's own GRUB image (with a warning).</summary>
    Auto,

    /// <summary>The signed chain or an error that names the packages.</summary>
    On,

    /// <summary>mkcdrec's own GRUB image (boots only with Secure Boot off).</summary>
    Off,
}

/// <summary>
/// The distribution's signed UEFI boot chain on this host: shim signed by Microsoft's UEFI CA, which checks GRUB and the
/// kernel against the distribution's key; GRUB's image for removable media (it finds its config on the medium by itself);
/// the MOK manager shim starts when a key is to be enrolled. Paths of Debian's packages (Ubuntu's are the same).
/// </summary>
public sealed record SignedBootChain(string Shim, string Grub, string? MokManager)
{
    public const string ShimPath = "/usr/lib/shim/shimx64.efi.signed";
    public const string MokManagerPath = "/usr/lib/shim/mmx64.efi.signed";
    public const string CdGrubPath = "/usr/lib/grub/x86_64-efi-signed/gcdx64.efi.signed";

    /// <summary>The files the chain needs and the packages that carry them.</summary>
    public static readonly IReadOnlyList<(string Path, string Package)> Required =
        [(ShimPath, "shim-signed"), (CdGrubPath, "grub-efi-amd64-signed")];

    /// <summary>The signed chain under <paramref name="root"/> ("/" on the host), or null with the packages it lacks.</summary>
    public static SignedBootChain? Find(string root, out IReadOnlyList<string> missingPackages)
    {
        string At(string p) => Path.Combine(root, p.TrimStart('/'));
        missingPackages = Required.Where(r => !File.Exists(At(r.Path))).Select(r => r.Package).ToList();
        if (missingPackages.Count > 0)
        {
            return null;
        }

        return new SignedBootChain(At(ShimPath), At(CdGrubPath), File.Exists(At(MokManagerPath)) ? At(MokManagerPath) : null);
    }
}
