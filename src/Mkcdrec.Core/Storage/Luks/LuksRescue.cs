namespace Mkcdrec.Core.Storage.Luks;

public sealed partial class LuksTechnology
{
    public static readonly RescueComponent LuksComponent = new("luks", "LUKS encryption")
    {
        Programs = [new RescueProgram("cryptsetup", "cryptsetup-bin")],
        Modules =
        [
            "dm_mod", "dm_crypt", "dm_integrity", "xts", "cbc", "ecb", "essiv", "aes", "aes_generic", "aesni_intel", "sha256", "sha256_generic",
            "sha256_ssse3", "sha512", "sha1", "af_alg", "algif_skcipher", "algif_hash", "cryptd", "crypto_simd",
        ],
        RequiredWhen = n => n.Layout is { Luks.Count: > 0 },
    };

    /// <summary>cryptsetup and the crypto modules in the rescue system.</summary>
    public IReadOnlyList<RescueComponent> RescueComponents { get; } = [LuksComponent];
}
