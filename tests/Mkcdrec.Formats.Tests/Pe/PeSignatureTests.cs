using System.Buffers.Binary;
using System.Text.RegularExpressions;
using Mkcdrec.Formats.Pe;
using Mkcdrec.Tests.Shared;

namespace Mkcdrec.Formats.Tests.Pe;

/// <summary>
/// The Authenticode reader against sbsigntool's <c>sbverify --list</c> on Debian's signed boot chain (shim-signed,
/// grub-efi-amd64-signed, the kernel), its unsigned shim, and damaged images.
/// </summary>
public sealed class PeSignatureTests
{
    public static TheoryData<string> SignedImages() =>
    [
        "/usr/lib/shim/shimx64.efi.signed",
        "/usr/lib/shim/mmx64.efi.signed",
        "/usr/lib/grub/x86_64-efi-signed/gcdx64.efi.signed",
        "/usr/lib/grub/x86_64-efi-signed/grubnetx64.efi.signed",
    ];

    [Theory]
    [MemberData(nameof(SignedImages))]
    public void The_signers_are_the_ones_sbverify_lists(string path)
    {
        Assert.SkipUnless(File.Exists(path) && Tool.Exists("sbverify"), $"{path} or sbverify missing (CI installs shim-signed, grub-efi-amd64-signed, sbsigntool)");
        var info = PeSignature.Read(path);
        Assert.True(info.IsPe);
        // shim is signed twice (Microsoft's 2011 and 2023 UEFI CAs): every signature and its certificates, in order.
        var listed = Tool.Run("sbverify", "--list", path).StdOut;
        Assert.Equal(Regex.Matches(listed, @"^signature \d+$", RegexOptions.Multiline).Count, info.Signatures);
        Assert.Equal(SbverifySubjects(path), info.SubjectNames.ToList());
    }

    [Fact]
    public void The_debian_kernel_is_signed_by_debians_linux_signer()
    {
        var kernel = Directory.Exists("/boot") ? Directory.GetFiles("/boot", "vmlinuz-*").Order(StringComparer.Ordinal).LastOrDefault() : null;
        Assert.SkipWhen(kernel is null || !Tool.Exists("sbverify"), "no /boot/vmlinuz-* or no sbverify (CI installs linux-image-amd64 and sbsigntool)");
        var info = PeSignature.Read(kernel!);
        Assert.True(info.IsPe, "a Debian kernel has the EFI stub, so it is a PE image");
        Assert.Equal(SbverifySubjects(kernel!), info.SubjectNames.ToList());
        Assert.Contains(info.SubjectNames, n => n.StartsWith("Debian Secure Boot Signer", StringComparison.Ordinal));
    }

    [Fact]
    public void The_unsigned_shim_has_no_signature_and_a_text_file_is_not_pe()
    {
        const string unsigned = "/usr/lib/shim/shimx64.efi";
        Assert.SkipUnless(File.Exists(unsigned), "shim-unsigned is not installed (CI installs shim-signed, which depends on it)");
        var info = PeSignature.Read(unsigned);
        Assert.True(info.IsPe);
        Assert.False(info.Signed);
        Assert.Contains("No signature table present", Tool.Run("sbverify", "--list", unsigned).StdErr + Tool.Run("sbverify", "--list", unsigned).StdOut, StringComparison.Ordinal);

        using var text = new MemoryStream("#!/bin/sh\necho not an EFI program\n"u8.ToArray());
        Assert.False(PeSignature.Read(text).IsPe);
    }

    [Fact]
    public void The_fuzz_seed_cut_from_the_signed_shim_still_reads_as_signed_twice()
    {
        var seed = Path.Combine(AppContext.BaseDirectory, "Fuzz", "corpus", "pe", "shim-signed-headers");
        var info = PeSignature.Read(seed);
        Assert.Equal(2, info.Signatures);
        Assert.Equal("Microsoft Windows UEFI Driver Publisher", info.SubjectNames.First());
        Assert.False(PeSignature.Read(Path.Combine(AppContext.BaseDirectory, "Fuzz", "corpus", "pe", "shim-unsigned-headers")).Signed);
    }

    [Fact]
    public void A_certificate_table_beyond_the_end_of_the_file_or_a_bad_entry_is_refused()
    {
        var image = MinimalPe(tableOffset: 512, tableSize: 64, fileLength: 520);
        Assert.Contains("outside", Assert.Throws<InvalidDataException>(() => PeSignature.Read(new MemoryStream(image))).Message, StringComparison.Ordinal);

        var bad = MinimalPe(tableOffset: 512, tableSize: 16, fileLength: 528);
        BinaryPrimitives.WriteInt32LittleEndian(bad.AsSpan(512), 4000); // dwLength far past the table
        Assert.Contains("WIN_CERTIFICATE", Assert.Throws<InvalidDataException>(() => PeSignature.Read(new MemoryStream(bad))).Message, StringComparison.Ordinal);

        var garbage = MinimalPe(tableOffset: 512, tableSize: 16, fileLength: 528);
        BinaryPrimitives.WriteInt32LittleEndian(garbage.AsSpan(512), 16);
        BinaryPrimitives.WriteUInt16LittleEndian(garbage.AsSpan(516), 0x0200);
        BinaryPrimitives.WriteUInt16LittleEndian(garbage.AsSpan(518), 0x0002); // PKCS#7, but 8 bytes of zeros
        Assert.Contains("PKCS#7", Assert.Throws<InvalidDataException>(() => PeSignature.Read(new MemoryStream(garbage))).Message, StringComparison.Ordinal);

        Assert.False(PeSignature.Read(new MemoryStream(MinimalPe(0, 0, 512))).Signed);
    }

    /// <summary>MZ, e_lfanew 0x80, "PE\0\0", a PE32+ optional header with 16 data directories; the security one as given.</summary>
    private static byte[] MinimalPe(int tableOffset, int tableSize, int fileLength)
    {
        var b = new byte[fileLength];
        b[0] = (byte)'M';
        b[1] = (byte)'Z';
        BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(0x3C), 0x80);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(0x80), 0x00004550);
        var optional = 0x80 + 24;
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(optional), 0x20B);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(optional + 108), 16);
        BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(optional + 112 + 32), tableOffset);
        BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(optional + 112 + 36), tableSize);
        return b;
    }

    /// <summary>The CN of every "subject:" line of <c>sbverify --list</c>.</summary>
    private static List<string> SbverifySubjects(string path)
    {
        var r = Tool.Run("sbverify", "--list", path);
        Assert.True(r.ExitCode == 0, $"sbverify --list {path}: {r.StdErr}");
        return Regex.Matches(r.StdOut, @"^\s*- subject: (.*)$", RegexOptions.Multiline)
            .Select(m => Regex.Match(m.Groups[1].Value, @"CN=([^/]*)").Groups[1].Value.Trim()).ToList();
    }
}
