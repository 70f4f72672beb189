using System.Buffers.Binary;
using System.Formats.Asn1;
using System.Security.Cryptography.X509Certificates;

namespace Mkcdrec.Formats.Pe;

/// <summary>A certificate carried in an Authenticode signature: its subject and issuer as X.500 names.</summary>
public sealed record PeCertificate(string Subject, string Issuer);

/// <summary>What a PE/COFF image (an EFI program, a kernel with the EFI stub) says about its Authenticode signature.</summary>
/// <param name="IsPe">The file is a PE/COFF image at all (MZ header, "PE\0\0").</param>
/// <param name="Signatures">WIN_CERTIFICATE entries of type PKCS#7 in the certificate table.</param>
/// <param name="Certificates">The certificates those signatures carry, signer first as the signing tool put them.</param>
public sealed record PeSignatureInfo(bool IsPe, int Signatures, IReadOnlyList<PeCertificate> Certificates)
{
    public bool Signed => Signatures > 0;

    /// <summary>The common name (CN=) of each carried certificate's subject, in order.</summary>
    public IEnumerable<string> SubjectNames => Certificates.Select(c => CommonName(c.Subject));

    /// <summary>"CN=Debian Secure Boot Signer 2022 - linux, O=…" → "Debian Secure Boot Signer 2022 - linux" (the whole name when it has no CN).</summary>
    public static string CommonName(string x500) =>
        x500.Split(", ").FirstOrDefault(p => p.StartsWith("CN=", StringComparison.Ordinal))?[3..] ?? x500;
}

/// <summary>
/// Reads the Authenticode certificate table of a PE/COFF image (PE format spec, "The Attribute Certificate Table"):
/// data directory 4 of the optional header gives a file offset and size; it holds WIN_CERTIFICATE entries
/// (dwLength, wRevision, wCertificateType 2 = PKCS#7 SignedData), each padded to 8 bytes. It tells whether the firmware
/// or shim has a signature to check and who signed; it does not check the signature (the firmware does).
/// </summary>
public static class PeSignature
{
    private const ushort Pe32Magic = 0x10B;
    private const ushort Pe32PlusMagic = 0x20B;
    private const ushort WinCertTypePkcsSignedData = 0x0002;
    private const int SecurityDirectoryIndex = 4;

    public static PeSignatureInfo Read(Stream image)
    {
        var head = new byte[4096];
        image.Position = 0;
        var n = image.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        var span = head.AsSpan(0, n);
        if (n < 0x40 || span[0] != (byte)'M' || span[1] != (byte)'Z')
        {
            return new PeSignatureInfo(false, 0, []);
        }

        var pe = BinaryPrimitives.ReadInt32LittleEndian(span[0x3C..]);
        if (pe < 0x40 || (long)pe + 24 + 2 > n || BinaryPrimitives.ReadUInt32LittleEndian(span[pe..]) != 0x00004550)
        {
            return new PeSignatureInfo(false, 0, []);
        }

        var optional = pe + 24;
        var magic = BinaryPrimitives.ReadUInt16LittleEndian(span[optional..]);
        var directories = magic switch
        {
            Pe32Magic => optional + 96,
            Pe32PlusMagic => optional + 112,
            _ => throw new InvalidDataException($"PE: optional header magic 0x{magic:X4} is neither PE32 nor PE32+."),
        };
        if (directories > n)
        {
            throw new InvalidDataException($"PE: the optional header at {optional} runs past the first {n} bytes, where its data directories should be.");
        }

        var count = BinaryPrimitives.ReadUInt32LittleEndian(span[(directories - 4)..]);
        var entry = directories + (SecurityDirectoryIndex * 8);
        if (count <= SecurityDirectoryIndex || entry + 8 > n)
        {
            return new PeSignatureInfo(true, 0, []);
        }

        // The security directory's "address" is a file offset, not an RVA.
        var offset = BinaryPrimitives.ReadUInt32LittleEndian(span[entry..]);
        var size = BinaryPrimitives.ReadUInt32LittleEndian(span[(entry + 4)..]);
        if (offset == 0 || size == 0)
        {
            return new PeSignatureInfo(true, 0, []);
        }

        if (offset + (long)size > image.Length || size > 16 << 20)
        {
            throw new InvalidDataException($"PE: the certificate table ({size} bytes at {offset}) lies outside the {image.Length}-byte file.");
        }

        var table = new byte[size];
        image.Position = offset;
        image.ReadExactly(table);
        return ReadTable(table);
    }

    public static PeSignatureInfo Read(string path)
    {
        using var s = File.OpenRead(path);
        return Read(s);
    }

    private static PeSignatureInfo ReadTable(byte[] table)
    {
        var signatures = 0;
        var certificates = new List<PeCertificate>();
        var at = 0;
        while (at + 8 <= table.Length)
        {
            var length = BinaryPrimitives.ReadInt32LittleEndian(table.AsSpan(at));
            var type = BinaryPrimitives.ReadUInt16LittleEndian(table.AsSpan(at + 6));
            if (length < 8 || length > table.Length - at) // not at + length: a length near 2^31 wraps it negative
            {
                throw new InvalidDataException($"PE: a WIN_CERTIFICATE at {at} of the certificate table says {length} bytes; {table.Length - at} are left.");
            }

            if (type == WinCertTypePkcsSignedData)
            {
                signatures++;
                certificates.AddRange(SignedDataCertificates(table.AsMemory(at + 8, length - 8)));
            }

            at += (length + 7) & ~7;
        }

        return new PeSignatureInfo(true, signatures, certificates);
    }

    /// <summary>ContentInfo { contentType, [0] SignedData { version, digestAlgorithms, encapContentInfo, [0] IMPLICIT certificates, … } }.</summary>
    private static List<PeCertificate> SignedDataCertificates(ReadOnlyMemory<byte> der)
    {
        var result = new List<PeCertificate>();
        try
        {
            var contentInfo = new AsnReader(der, AsnEncodingRules.BER).ReadSequence();
            contentInfo.ReadObjectIdentifier();
            var signedData = contentInfo.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 0)).ReadSequence();
            signedData.ReadInteger();
            signedData.ReadSetOf();
            signedData.ReadSequence();
            var certsTag = new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true);
            if (!signedData.HasData || !signedData.PeekTag().HasSameClassAndValue(certsTag))
            {
                return result;
            }

            var certs = signedData.ReadSetOf(skipSortOrderValidation: true, certsTag);
            while (certs.HasData)
            {
                var encoded = certs.ReadEncodedValue();
                using var cert = X509CertificateLoader.LoadCertificate(encoded.Span);
                result.Add(new PeCertificate(cert.Subject, cert.Issuer));
            }
        }
        catch (Exception e) when (e is AsnContentException or System.Security.Cryptography.CryptographicException)
        {
            throw new InvalidDataException("PE: the Authenticode signature is not a readable PKCS#7 SignedData: " + e.Message, e);
        }

        return result;
    }
}
