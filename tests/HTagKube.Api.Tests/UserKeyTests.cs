using HTagKube.Api.V1Alpha1;
using HTagKube.Routing.Identity;

namespace HTagKube.Api.Tests;

public class UserKeyTests
{
    [Fact]
    public void NewUid_is_256_bit_base64url_and_unique()
    {
        var a = UserKey.NewUid();
        var b = UserKey.NewUid();
        Assert.Equal(UserKey.UidLength, a.Length);
        Assert.True(UserKey.IsWellFormedUid(a));
        Assert.NotEqual(a, b);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("short")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]  // padding
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+")]  // not url-safe
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")] // too long
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\u00e9")]
    public void Malformed_uids_are_rejected(string? uid) => Assert.False(UserKey.IsWellFormedUid(uid));

    [Fact]
    public void UserKey_is_truncated_sha256_hex_and_never_contains_the_uid()
    {
        // SHA-256("abc") = ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223", UserKey.FromUid("abc"));
        var uid = UserKey.NewUid();
        var key = UserKey.FromUid(uid);
        Assert.True(UserKey.IsWellFormed(key));
        Assert.DoesNotContain(uid, key);
    }

    [Fact]
    public void Session_name_is_hs_plus_20_hex_and_rejects_non_keys()
    {
        Assert.Equal("hs-ba7816bf8f01cfea4141", SessionNames.ForUserKey("ba7816bf8f01cfea414140de5dae2223"));
        Assert.Throws<ArgumentException>(() => SessionNames.ForUserKey("../../etc/passwd"));
        Assert.Throws<ArgumentException>(() => SessionNames.ForUserKey("BA7816BF8F01CFEA414140DE5DAE2223"));
    }
}
