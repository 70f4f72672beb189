using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Mkcdrec.Core.Boot.Efi;
using Mkcdrec.Model.Layout;
using Mkcdrec.Platform.Linux;

namespace Mkcdrec.Core.Tests.Boot.Efi;

/// <summary>
/// Local signing keys (DKMS's MOK.der) against shim's MokListRT: an EFI signature list as the kernel shows it, built
/// here around real X.509 certificates (EFI_CERT_X509_GUID entries carry the DER whole).
/// </summary>
public sealed class MokKeysTests : IDisposable
{
    private static readonly Guid CertX509 = new("a5c059a1-94e4-4aa7-87b5-ab155c2bf072");
    private readonly string _root = Directory.CreateTempSubdirectory("mok-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static byte[] Certificate(string cn)
    {
        using var key = RSA.Create(2048);
        var req = new CertificateRequest($"CN={cn}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var cert = req.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(10));
        return cert.Export(X509ContentType.Cert);
    }

    /// <summary>One EFI_SIGNATURE_LIST per certificate: type GUID, list size, header size 0, signature size, then owner GUID + DER.</summary>
    private static byte[] SignatureLists(params byte[][] certs)
    {
        var ms = new MemoryStream();
        foreach (var der in certs)
        {
            ms.Write(CertX509.ToByteArray());
            ms.Write(BitConverter.GetBytes(28 + 16 + der.Length));
            ms.Write(BitConverter.GetBytes(0));
            ms.Write(BitConverter.GetBytes(16 + der.Length));
            ms.Write(new Guid("605dab50-e046-4300-abb6-3dd810dd8b23").ToByteArray());
            ms.Write(der);
        }

        return ms.ToArray();
    }

    private void Put(string path, byte[] data)
    {
        var p = Path.Combine(_root, path.TrimStart('/'));
        Directory.CreateDirectory(Path.GetDirectoryName(p)!);
        File.WriteAllBytes(p, data);
    }

    private void MokListRt(params byte[][] certs) => Put($"/sys/firmware/efi/efivars/MokListRT-{MokKeys.ShimGuid}", [0x06, 0x00, 0x00, 0x00, .. SignatureLists(certs)]);

    [Fact]
    public void Capture_records_each_local_key_with_whether_the_firmware_holds_it()
    {
        var dkms = Certificate("DKMS module signing key");
        var shim = Certificate("mkcdrec-ref Secure Boot Module Signature key");
        Put("/var/lib/dkms/mok.pub", dkms);
        Put("/var/lib/shim-signed/mok/MOK.der", shim);
        MokListRt(Certificate("Debian Secure Boot CA"), shim);
        var notes = new List<string>();

        var keys = MokKeys.Capture(new SystemFiles(_root), notes.Add);

        Assert.Equal(["/var/lib/shim-signed/mok/MOK.der", "/var/lib/dkms/mok.pub"], keys.Select(k => k.Path));
        Assert.Equal(["CN=mkcdrec-ref Secure Boot Module Signature key", "CN=DKMS module signing key"], keys.Select(k => k.Subject));
        Assert.Equal([true, false], keys.Select(k => k.Enrolled));
        Assert.Empty(notes);
    }

    [Fact]
    public void A_key_file_that_is_no_certificate_is_noted_and_without_mok_variables_nothing_is_enrolled()
    {
        Put("/var/lib/dkms/mok.pub", "-----BEGIN nonsense-----"u8.ToArray());
        Put("/var/lib/shim-signed/mok/MOK.der", Certificate("k"));
        var notes = new List<string>();
        var keys = MokKeys.Capture(new SystemFiles(_root), notes.Add);
        Assert.False(Assert.Single(keys).Enrolled);
        Assert.Contains("/var/lib/dkms/mok.pub is not a readable X.509 certificate", Assert.Single(notes), StringComparison.Ordinal);
    }

    [Fact]
    public void Recovery_names_the_enrolled_keys_this_machine_lacks_and_says_nothing_it_cannot_know()
    {
        var key = Certificate("local signing key");
        Put("/mnt/local/var/lib/shim-signed/mok/MOK.der", key);
        var boot = new BootInfo { MokKeys = [new MokKeyFile { Path = "/var/lib/shim-signed/mok/MOK.der", Subject = "CN=local signing key", Enrolled = true }] };
        var files = new SystemFiles(_root);

        Assert.Null(MokKeys.MissingHere(boot, files, "/mnt/local")); // not booted through shim: no MokListRT to read

        Put("/sys/firmware/efi/mok-variables/MokListRT", SignatureLists(Certificate("Debian Secure Boot CA")));
        Assert.Equal("CN=local signing key", Assert.Single(MokKeys.MissingHere(boot, files, "/mnt/local")!).Subject);

        Put("/sys/firmware/efi/mok-variables/MokListRT", SignatureLists(Certificate("Debian Secure Boot CA"), key));
        Assert.Empty(MokKeys.MissingHere(boot, files, "/mnt/local")!);

        boot.MokKeys[0].Enrolled = false; // the source never had it enrolled: nothing to miss
        Assert.Empty(MokKeys.MissingHere(boot, new SystemFiles(Path.Combine(_root, "nowhere")), "/mnt/local")!);
    }
}
