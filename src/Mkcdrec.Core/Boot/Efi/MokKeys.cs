using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Mkcdrec.Core.Platform;
using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Boot.Efi;

/// <summary>
/// Machine owner keys: a key the admin enrolled through shim's MOK manager (DKMS signs its modules with one) lives in the
/// firmware's NVRAM (MokList), not on the disk, so a new machine lacks it and those modules stop loading with Secure Boot
/// on. Capture records the system's local signing keys and whether the firmware held them; finalize checks the
/// machine being recovered and says what to do when it does not hold one.
/// </summary>
public static class MokKeys
{
    /// <summary>shim's vendor GUID for MokList / MokListRT.</summary>
    public const string ShimGuid = "605dab50-e046-4300-abb6-3dd810dd8b23";

    /// <summary>Where Debian's tools keep the local signing certificate: update-secureboot-policy / shim-signed, and dkms 3.</summary>
    public static readonly IReadOnlyList<string> KeyPaths = ["/var/lib/shim-signed/mok/MOK.der", "/var/lib/dkms/mok.pub"];

    /// <summary>The local signing keys under <paramref name="root"/> ("/" at capture), with whether the running firmware enrolled each.</summary>
    public static List<MokKeyFile> Capture(ISystemFiles files, Action<string> note)
    {
        var enrolled = EnrolledList(files);
        var keys = new List<MokKeyFile>();
        foreach (var path in KeyPaths.Where(files.FileExists))
        {
            var der = Read(files, path);
            var subject = der is null ? null : Subject(der);
            if (subject is null)
            {
                note($"{path} is not a readable X.509 certificate; not recorded as a MOK");
                continue;
            }

            keys.Add(new MokKeyFile { Path = path, Subject = subject, Enrolled = enrolled is not null && Contains(enrolled, der!) });
        }

        return keys;
    }

    /// <summary>
    /// The keys the source had enrolled that this machine's firmware does not hold (read from the rescue system's view of
    /// the NVRAM; the certificates from the restored <paramref name="root"/>), or null when this machine's MokList cannot
    /// be read (not booted through shim) and nothing can be said.
    /// </summary>
    public static List<MokKeyFile>? MissingHere(BootInfo boot, ISystemFiles files, string root)
    {
        var wanted = boot.MokKeys.Where(k => k.Enrolled).ToList();
        if (wanted.Count == 0)
        {
            return [];
        }

        var here = EnrolledList(files);
        if (here is null)
        {
            return null;
        }

        return wanted.Where(k => Read(files, root.TrimEnd('/') + k.Path) is not { } der || !Contains(here, der)).ToList();
    }

    /// <summary>MokListRT as the kernel shows it (mok-variables: raw; efivarfs: 4 bytes of attributes first), or null.</summary>
    public static byte[]? EnrolledList(ISystemFiles files)
    {
        if (Read(files, "/sys/firmware/efi/mok-variables/MokListRT") is { Length: > 0 } raw)
        {
            return raw;
        }

        return Read(files, $"/sys/firmware/efi/efivars/MokListRT-{ShimGuid}") is { Length: > 4 } v ? v[4..] : null;
    }

    /// <summary>The certificate's DER bytes appear in the EFI signature lists (each X.509 entry holds them whole).</summary>
    public static bool Contains(byte[] signatureLists, byte[] der) => der.Length > 0 && signatureLists.AsSpan().IndexOf(der) >= 0;

    private static string? Subject(byte[] der)
    {
        try
        {
            using var cert = X509CertificateLoader.LoadCertificate(der);
            return cert.Subject;
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    private static byte[]? Read(ISystemFiles files, string path) => EfiBootVariables.Read(files, path);
}
