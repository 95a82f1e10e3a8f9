"""Tencent Cloud CVM: the official SDK (tencentcloud-sdk-python-cvm) against `sharesim serve`,
unchanged, with TC3-HMAC-SHA256 over POST (the default) and over GET.
"""

import pytest
from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.cvm.v20170312 import cvm_client, models
from tencentcloud.lighthouse.v20200324 import lighthouse_client
from tencentcloud.lighthouse.v20200324 import models as lh_models

from common import suite

pytestmark = pytest.mark.sharesim(providers=["tencent"])


@pytest.fixture
def s(sharesim):
    yield from suite(sharesim, "tencent")


def code(e):
    return e.code if isinstance(e, TencentCloudSDKException) else None


class Cvm:
    def __init__(self, s, account, region, method="POST", secret=None, secret_id=None):
        a = s.account(account)
        hp = HttpProfile(protocol="http", endpoint=s.hostport, reqMethod=method)
        cred = credential.Credential(secret_id or a["access_key_id"], secret or a["access_key_secret"])
        self.c = cvm_client.CvmClient(cred, region, ClientProfile(httpProfile=hp))

    def share(self, image, accounts, permission="SHARE"):
        r = models.ModifyImageSharePermissionRequest()
        r.ImageId, r.AccountIds, r.Permission = image, accounts, permission
        self.c.ModifyImageSharePermission(r)

    def members(self, image):
        r = models.DescribeImageSharePermissionRequest()
        r.ImageId = image
        return [p.AccountId for p in self.c.DescribeImageSharePermission(r).SharePermissionSet]

    def images(self, image_type):
        r = models.DescribeImagesRequest()
        f = models.Filter()
        f.Name, f.Values = "image-type", [image_type]
        r.Filters, r.Offset, r.Limit = [f], 0, 100
        return [i.ImageId for i in self.c.DescribeImages(r).ImageSet]

    def delete(self, image):
        r = models.DeleteImagesRequest()
        r.ImageIds = [image]
        self.c.DeleteImages(r)

    def sync(self, image, region):
        r = models.SyncImagesRequest()
        r.ImageIds, r.DestinationRegions, r.ImageSetRequired = [image], [region], True
        return self.c.SyncImages(r).ImageSet[0].ImageId

    def launch(self, image, zone):
        r = models.RunInstancesRequest()
        p = models.Placement()
        p.Zone = zone
        r.Placement, r.ImageId, r.InstanceType = p, image, "S5.MEDIUM2"
        return self.c.RunInstances(r).InstanceIdSet[0]

    def create_image(self, instance, name):
        r = models.CreateImageRequest()
        r.InstanceId, r.ImageName, r.ForcePoweroff = instance, name, "true"
        return self.c.CreateImage(r).ImageId

    def reset(self, instance, image):
        r = models.ResetInstanceRequest()
        r.InstanceId, r.ImageId = instance, image
        self.c.ResetInstance(r)

    def instances(self, ids=None):
        r = models.DescribeInstancesRequest()
        if ids:
            r.InstanceIds = ids
        return [(i.InstanceId, i.ImageId, i.InstanceState) for i in self.c.DescribeInstances(r).InstanceSet]

    def terminate(self, instance):
        r = models.TerminateInstancesRequest()
        r.InstanceIds = [instance]
        self.c.TerminateInstances(r)

    def import_image(self, name):
        r = models.ImportImageRequest()
        r.Architecture, r.OsType, r.OsVersion, r.ImageName = "x86_64", "TencentOS", "3.1", name
        r.ImageUrl = "https://sharesim-1250000000.cos.ap-guangzhou.myqcloud.com/%s.qcow2" % name
        return self.c.ImportImage(r).ImageId

    def quota(self):
        return self.c.DescribeImageQuota(models.DescribeImageQuotaRequest()).ImageNumQuota


class Lighthouse:
    """Lighthouse's client: its own API version, signed for service `lighthouse`."""

    def __init__(self, s, account, region):
        a = s.account(account)
        hp = HttpProfile(protocol="http", endpoint=s.hostport)
        cred = credential.Credential(a["access_key_id"], a["access_key_secret"])
        self.c = lighthouse_client.LighthouseClient(cred, region, ClientProfile(httpProfile=hp))

    def hand_over(self, image, permission="SHARE"):
        r = lh_models.ModifyImageSharePermissionRequest()
        r.ImageId, r.Permission = image, permission
        self.c.ModifyImageSharePermission(r)

    def create_instance(self, blueprint):
        r = lh_models.CreateInstancesRequest()
        p = lh_models.InstanceChargePrepaid()
        p.Period = 1
        r.BundleId, r.BlueprintId, r.InstanceChargePrepaid = "bundle_starter_mc_promo_med2_02", blueprint, p
        return self.c.CreateInstances(r).InstanceIdSet[0]

    def reset(self, instance):
        r = lh_models.ResetInstanceRequest()
        r.InstanceId = instance
        self.c.ResetInstance(r)

    def to_share(self):
        r = lh_models.DescribeImagesToShareRequest()
        return [i.ImageId for i in self.c.DescribeImagesToShare(r).ImageSet]


def test_workflow(s):
    s.section("the share-and-use workflow")
    HOME = s.regions["home"]
    owner, alice, bob = Cvm(s, "owner", HOME), Cvm(s, "alice", HOME), Cvm(s, "bob", HOME)
    alice_id = s.account("alice")["id"]
    base = s.image("base")
    vm = s.run("owner launches from its own image", lambda: owner.launch(base, HOME + "-3"))
    golden = s.run("owner makes an image from its instance (CreateImage)", lambda: owner.create_image(vm, "golden"))
    s.check("the new image has an ID", isinstance(golden, str) and golden.startswith("img-"), f"got {golden}")
    s.refused("bob cannot image owner's instance", lambda: bob.create_image(vm, "mine"), "InvalidInstanceId.NotFound", code)
    s.run("owner shares golden with alice", lambda: owner.share(golden, [alice_id]))
    mine = s.run("alice launches from golden", lambda: alice.launch(golden, HOME + "-3"))
    s.refused("bob's launch from golden is refused", lambda: bob.launch(golden, HOME + "-3"), "InvalidImageId.NotFound", code)
    s.run("owner cancels alice's share", lambda: owner.share(golden, [alice_id], "CANCEL"))
    s.refused("alice cannot reinstall from golden any more (TC-AFTER-UNSHARE)", lambda: alice.reset(mine, golden), "InvalidImageId.NotFound", code)
    listed = s.run("alice describes her instances", lambda: alice.instances([mine]))
    s.check("her instance stays, built from golden", listed == [(mine, golden, "RUNNING")], f"got {listed}")
    s.run("alice terminates her instance", lambda: alice.terminate(mine))
    s.refused("bob cannot terminate owner's instance", lambda: bob.terminate(vm), "InvalidInstanceId.NotFound", code)
    quota = s.run("owner reads its image quota", owner.quota)
    s.check("the quota is a positive number", isinstance(quota, int) and quota > 0, f"got {quota}")

    imported = s.run("owner imports an image from COS (ImportImage)", lambda: owner.import_image("from-cos"))
    s.check("the imported image has an ID", isinstance(imported, str) and imported.startswith("img-"), f"got {imported}")
    s.run("owner shares the imported image with alice", lambda: owner.share(imported, [alice_id]))
    seen = s.run("alice lists SHARED_IMAGE", lambda: alice.images("SHARED_IMAGE"))
    s.check("alice sees the imported image", seen is not None and imported in seen, f"got {seen}")

    s.section("Lighthouse takes a CVM image (TC-LIGHTHOUSE)")
    lh = Lighthouse(s, "owner", HOME)
    listed = s.run("owner lists the images it could hand over", lh.to_share)
    s.check("golden is among them", listed is not None and golden in listed, f"got {listed}")
    s.run("owner hands golden to its Lighthouse", lambda: lh.hand_over(golden))
    s.refused("a second hand-over is refused", lambda: lh.hand_over(golden), "UnsupportedOperation.ImageAlreadyShared", code)
    lh_vm = s.run("owner creates a Lighthouse instance from it", lambda: lh.create_instance(golden))
    s.run("owner resets that Lighthouse instance", lambda: lh.reset(lh_vm))
    s.refused("alice cannot build a Lighthouse instance from it", lambda: Lighthouse(s, "alice", HOME).create_instance(golden), "InvalidImageId.NotFound", code)
    s.refused("alice cannot hand over owner's image", lambda: Lighthouse(s, "alice", HOME).hand_over(golden), "ResourceNotFound.ImageIdNotFound", code)
    s.run("owner takes it back", lambda: lh.hand_over(golden, "CANCEL"))
    s.finish()


@pytest.mark.parametrize("method", ["POST", "GET"])
def test_sequence(s, method):
    s.section(f"TC3-HMAC-SHA256 over {method}")
    HOME, AWAY = s.regions["home"], s.regions["away"]
    owner, alice = Cvm(s, "owner", HOME, method), Cvm(s, "alice", HOME, method)
    base, spare = s.image("base"), s.image("spare")
    alice_id = s.account("alice")["id"]
    crowd = [s.account(f"crowd{i}")["id"] for i in range(1, 51)]

    s.run("owner shares base with alice", lambda: owner.share(base, [alice_id]))
    mine = s.run("alice lists SHARED_IMAGE", lambda: alice.images("SHARED_IMAGE"))
    s.check("alice sees base", mine is not None and base in mine, f"got {mine}")
    members = s.run("owner describes base's share permission", lambda: owner.members(base))
    s.check("alice is the member", members == [alice_id], f"got {members}")
    s.refused("owner deletes base while shared (TC-DELETE-SHARED)", lambda: owner.delete(base), "InvalidImageId.InShared", code)
    s.refused("alice deletes the shared image (TC-RECIPIENT-NO-DELETE)", lambda: alice.delete(base), "InvalidParameterValue.InvalidImageIdIsShared", code)
    instance = s.run("alice launches from base", lambda: alice.launch(base, HOME + "-3"))
    s.check("the instance has an ID", isinstance(instance, str) and instance.startswith("ins-"), f"got {instance}")

    s.run("owner shares base with 49 more accounts", lambda: owner.share(base, crowd[:49]))
    members = s.run("owner lists 50 members", lambda: owner.members(base))
    s.check("exactly 50 members (TC-LIMIT-50)", members is not None and len(members) == 50, f"got {members and len(members)}")
    s.refused("the 51st account is refused (TC-LIMIT-50)", lambda: owner.share(base, [crowd[49]]), "OverQuota", code)

    s.run("owner cancels every share", lambda: owner.share(base, [alice_id] + crowd[:49], "CANCEL"))
    members = s.run("owner lists members after cancelling", lambda: owner.members(base))
    s.check("no members left", members == [], f"got {members}")
    s.run("owner deletes base once unshared", lambda: owner.delete(base))

    copy = s.run("owner copies spare to another region (SyncImages)", lambda: owner.sync(spare, AWAY))
    if copy:
        owner_away, alice_away = Cvm(s, "owner", AWAY, method), Cvm(s, "alice", AWAY, method)
        s.refused("the copy cannot be shared from home (TC-SAME-REGION)", lambda: owner.share(copy, [alice_id]), "InvalidImageId.NotFound", code)
        s.run("owner shares the copy in its region", lambda: owner_away.share(copy, [alice_id]))
        there = s.run("alice lists SHARED_IMAGE in that region", lambda: alice_away.images("SHARED_IMAGE"))
        s.check("alice sees the copy there", there is not None and copy in there, f"got {there}")
    s.finish()


def test_authentication(s):
    s.section("authentication")
    HOME = s.regions["home"]
    bad = Cvm(s, "owner", HOME, secret="not-the-secret")
    s.refused("a wrong secret is refused", lambda: bad.images("PRIVATE_IMAGE"), "AuthFailure.SignatureFailure", code)
    unknown = Cvm(s, "owner", HOME, secret_id="AKIDNoSuchKey0000000000000000000000")
    s.refused("an unknown SecretId is refused", lambda: unknown.images("PRIVATE_IMAGE"), "AuthFailure.SecretIdNotFound", code)
    s.finish()
