"""Alibaba Cloud ECS: the official SDKs against `sharesim serve`, unchanged.

Three clients run the same sequence: the tea SDK (alibabacloud-ecs20140526) with ACS3-HMAC-SHA256,
the tea SDK with RPC signature v1 (HMAC-SHA1), and the core SDK (aliyun-python-sdk-ecs).
"""

import json

import pytest
from alibabacloud_ecs20140526 import models as m
from alibabacloud_ecs20140526.client import Client as TeaClient
from alibabacloud_tea_openapi.models import Config
from aliyunsdkcore.acs_exception.exceptions import ClientException as CoreClientError
from aliyunsdkcore.acs_exception.exceptions import ServerException as CoreServerError
from aliyunsdkcore.client import AcsClient
from aliyunsdkecs.request.v20140526 import (
    CopyImageRequest,
    CreateImageRequest,
    DeleteImageRequest,
    DeleteInstanceRequest,
    DescribeAccountAttributesRequest,
    DescribeDisksRequest,
    DescribeImageSharePermissionRequest,
    DescribeImagesRequest,
    DescribeInstancesRequest,
    ImportImageRequest,
    ModifyImageSharePermissionRequest,
    ReInitDiskRequest,
    ReplaceSystemDiskRequest,
    RunInstancesRequest,
    StopInstanceRequest,
)

from common import suite

pytestmark = pytest.mark.sharesim(providers=["alibaba"])


@pytest.fixture
def s(sharesim):
    yield from suite(sharesim, "alibaba")


# ECS documents no image-quota attribute; sharesim answers these two (inferred names).
QUOTA_ATTRIBUTES = ["max-custom-image-count", "used-custom-image-count"]


def tea_code(e):
    return getattr(e, "code", None)


def core_code(e):
    if isinstance(e, CoreServerError) or isinstance(e, CoreClientError):
        return e.get_error_code()
    return None


class Tea:
    """The tea SDK, with ACS3 (default) or RPC v1 (`signature_algorithm='v2'`)."""

    def __init__(self, s, account, region, v1=False, secret=None, key_id=None):
        a = s.account(account)
        cfg = Config(
            access_key_id=key_id or a["access_key_id"],
            access_key_secret=secret or a["access_key_secret"],
            endpoint=s.hostport,
            protocol="http",
            region_id=region,
        )
        if v1:
            cfg.signature_algorithm = "v2"
        self.c = TeaClient(cfg)
        self.region = region
        self.code = tea_code

    def share(self, image, add=None, remove=None):
        self.c.modify_image_share_permission(
            m.ModifyImageSharePermissionRequest(region_id=self.region, image_id=image, add_account=add, remove_account=remove)
        )

    def members(self, image):
        r = self.c.describe_image_share_permission(
            m.DescribeImageSharePermissionRequest(region_id=self.region, image_id=image, page_size=100)
        )
        return [a.aliyun_id for a in r.body.accounts.account]

    def shared_with_me(self):
        r = self.c.describe_images(m.DescribeImagesRequest(region_id=self.region, image_owner_alias="others", page_size=100))
        return [i.image_id for i in r.body.images.image]

    def delete(self, image):
        self.c.delete_image(m.DeleteImageRequest(region_id=self.region, image_id=image))

    def copy(self, image, to):
        return self.c.copy_image(m.CopyImageRequest(region_id=self.region, image_id=image, destination_region_id=to)).body.image_id

    def launch(self, image):
        r = self.c.run_instances(m.RunInstancesRequest(region_id=self.region, image_id=image, instance_type="ecs.g7.large", amount=1))
        return r.body.instance_id_sets.instance_id_set[0]

    # The tea SDK sends these without RegionId: ECS takes the region from the instance or disk.
    def replace(self, instance, image):
        return self.c.replace_system_disk(m.ReplaceSystemDiskRequest(instance_id=instance, image_id=image, password="Sharesim-1234")).body.disk_id

    def reinit(self, disk):
        self.c.re_init_disk(m.ReInitDiskRequest(disk_id=disk, password="Sharesim-1234"))

    def create_image(self, instance, name):
        r = self.c.create_image(m.CreateImageRequest(region_id=self.region, instance_id=instance, image_name=name, description="from an instance"))
        return r.body.image_id

    def import_image(self, name):
        disk = m.ImportImageRequestDiskDeviceMapping(ossbucket="sharesim-images", ossobject=f"{name}.qcow2", format="QCOW2", disk_image_size=40)
        r = self.c.import_image(m.ImportImageRequest(region_id=self.region, image_name=name, description="imported from a file", ostype="linux", platform="Others Linux", architecture="x86_64", disk_device_mapping=[disk]))
        return r.body.image_id, r.body.task_id

    def instances(self, image=None, status=None, ids=None):
        req = m.DescribeInstancesRequest(region_id=self.region, image_id=image, status=status, page_size=100)
        if ids is not None:
            req.instance_ids = json.dumps(ids)
        r = self.c.describe_instances(req)
        return [i.instance_id for i in r.body.instances.instance]

    def disks(self, instance):
        r = self.c.describe_disks(m.DescribeDisksRequest(region_id=self.region, instance_id=instance, disk_type="system"))
        return [(d.disk_id, d.image_id) for d in r.body.disks.disk]

    def stop(self, instance):
        self.c.stop_instance(m.StopInstanceRequest(instance_id=instance, force_stop=True))

    def delete_instance(self, instance):
        self.c.delete_instance(m.DeleteInstanceRequest(instance_id=instance, force=True))

    def quota(self):
        r = self.c.describe_account_attributes(m.DescribeAccountAttributesRequest(region_id=self.region, attribute_name=QUOTA_ATTRIBUTES))
        items = r.body.account_attribute_items.account_attribute_item
        return {i.attribute_name: int(i.attribute_values.value_item[0].value) for i in items}


class Core:
    """The core SDK (aliyun-python-sdk-core + aliyun-python-sdk-ecs), RPC v1."""

    def __init__(self, s, account, region, secret=None, key_id=None):
        a = s.account(account)
        self.c = AcsClient(key_id or a["access_key_id"], secret or a["access_key_secret"], region, auto_retry=False)
        self.region = region
        self.code = core_code
        self.hostport = s.hostport

    def _do(self, req):
        req.set_endpoint(self.hostport)
        req.set_protocol_type("http")
        return json.loads(self.c.do_action_with_exception(req))

    def share(self, image, add=None, remove=None):
        r = ModifyImageSharePermissionRequest.ModifyImageSharePermissionRequest()
        r.set_ImageId(image)
        if add:
            r.set_AddAccounts(add)
        if remove:
            r.set_RemoveAccounts(remove)
        self._do(r)

    def members(self, image):
        r = DescribeImageSharePermissionRequest.DescribeImageSharePermissionRequest()
        r.set_ImageId(image)
        r.set_PageSize(100)
        return [a["AliyunId"] for a in self._do(r)["Accounts"]["Account"]]

    def shared_with_me(self):
        r = DescribeImagesRequest.DescribeImagesRequest()
        r.set_ImageOwnerAlias("others")
        r.set_PageSize(100)
        return [i["ImageId"] for i in self._do(r)["Images"]["Image"]]

    def delete(self, image):
        r = DeleteImageRequest.DeleteImageRequest()
        r.set_ImageId(image)
        self._do(r)

    def copy(self, image, to):
        r = CopyImageRequest.CopyImageRequest()
        r.set_ImageId(image)
        r.set_DestinationRegionId(to)
        return self._do(r)["ImageId"]

    def launch(self, image):
        r = RunInstancesRequest.RunInstancesRequest()
        r.set_ImageId(image)
        r.set_InstanceType("ecs.g7.large")
        r.set_Amount(1)
        return self._do(r)["InstanceIdSets"]["InstanceIdSet"][0]

    def replace(self, instance, image):
        r = ReplaceSystemDiskRequest.ReplaceSystemDiskRequest()
        r.set_InstanceId(instance)
        r.set_ImageId(image)
        r.set_Password("Sharesim-1234")
        return self._do(r)["DiskId"]

    def reinit(self, disk):
        r = ReInitDiskRequest.ReInitDiskRequest()
        r.set_DiskId(disk)
        r.set_Password("Sharesim-1234")
        self._do(r)

    def create_image(self, instance, name):
        r = CreateImageRequest.CreateImageRequest()
        r.set_InstanceId(instance)
        r.set_ImageName(name)
        return self._do(r)["ImageId"]

    def import_image(self, name):
        r = ImportImageRequest.ImportImageRequest()
        r.set_ImageName(name)
        r.set_Description("imported from a file")
        r.set_OSType("linux")
        r.set_Platform("Others Linux")
        r.set_Architecture("x86_64")
        r.set_DiskDeviceMappings([{"OSSBucket": "sharesim-images", "OSSObject": f"{name}.qcow2", "Format": "QCOW2", "DiskImageSize": 40}])
        b = self._do(r)
        return b["ImageId"], b["TaskId"]

    def instances(self, image=None, status=None, ids=None):
        r = DescribeInstancesRequest.DescribeInstancesRequest()
        r.set_PageSize(100)
        if image:
            r.set_ImageId(image)
        if status:
            r.set_Status(status)
        if ids is not None:
            r.set_InstanceIds(json.dumps(ids))
        return [i["InstanceId"] for i in self._do(r)["Instances"]["Instance"]]

    def disks(self, instance):
        r = DescribeDisksRequest.DescribeDisksRequest()
        r.set_InstanceId(instance)
        r.set_DiskType("system")
        return [(d["DiskId"], d["ImageId"]) for d in self._do(r)["Disks"]["Disk"]]

    def stop(self, instance):
        r = StopInstanceRequest.StopInstanceRequest()
        r.set_InstanceId(instance)
        self._do(r)

    def delete_instance(self, instance):
        r = DeleteInstanceRequest.DeleteInstanceRequest()
        r.set_InstanceId(instance)
        r.set_Force(True)
        self._do(r)

    def quota(self):
        r = DescribeAccountAttributesRequest.DescribeAccountAttributesRequest()
        r.set_AttributeNames(QUOTA_ATTRIBUTES)
        items = self._do(r)["AccountAttributeItems"]["AccountAttributeItem"]
        return {i["AttributeName"]: int(i["AttributeValues"]["ValueItem"][0]["Value"]) for i in items}


# The three clients, each made as client(s, account, region, secret=None, key_id=None).
CLIENTS = {
    "tea SDK, ACS3-HMAC-SHA256": lambda *a, **k: Tea(*a, v1=False, **k),
    "tea SDK, RPC v1 HMAC-SHA1": lambda *a, **k: Tea(*a, v1=True, **k),
    "core SDK, RPC v1 HMAC-SHA1": Core,
}


@pytest.mark.parametrize("name", list(CLIENTS), ids=["tea-acs3", "tea-v1", "core"])
def test_sequence(s, name):
    client = CLIENTS[name]
    s.section(name)
    HOME, AWAY = s.regions["home"], s.regions["away"]
    owner, alice = client(s, "owner", HOME), client(s, "alice", HOME)
    base, spare = s.image("base"), s.image("spare")
    alice_id = s.account("alice")["id"]
    crowd = [s.account(f"crowd{i}")["id"] for i in range(1, 51)]

    s.run("owner shares base with alice", lambda: owner.share(base, add=[alice_id]))
    mine = s.run("alice lists images shared with her", alice.shared_with_me)
    s.check("alice sees base", mine is not None and base in mine, f"got {mine}")
    members = s.run("owner lists base's share permissions", lambda: owner.members(base))
    s.check("alice is a member", members == [alice_id], f"got {members}")
    s.refused("owner deletes base while shared (AL-DELETE-SHARED)", lambda: owner.delete(base), "ImageUseShared", owner.code)
    s.refused("alice re-shares base (AL-OWN-ONLY)", lambda: alice.share(base, add=[crowd[0]]), "InvalidImageId.NotFound", alice.code)
    instance = s.run("alice launches an instance from base", lambda: alice.launch(base))
    s.check("the instance has an ID", isinstance(instance, str) and instance.startswith("i-"), f"got {instance}")
    if instance:
        disk = "d-" + instance.removeprefix("i-")
        got = s.run("alice replaces her system disk with base (no RegionId from the tea SDK)", lambda: alice.replace(instance, base))
        s.check("the answer names her system disk", got == disk, f"got {got}")
        s.run("alice re-initialises her system disk (no RegionId from the tea SDK)", lambda: alice.reinit(disk))
        s.refused("an unknown instance is not found", lambda: alice.replace("i-nothere", base), "InvalidInstanceId.NotFound", alice.code)
        s.refused("owner re-initialises alice's disk", lambda: owner.reinit(disk), "InvalidDiskId.NotFound", owner.code)

    for i in range(0, 49, 10):
        batch = crowd[i : min(i + 10, 49)]
        s.run(f"owner shares base with crowd{i + 1}..crowd{i + len(batch)}", lambda b=batch: owner.share(base, add=b))
    members = s.run("owner lists 50 members", lambda: owner.members(base))
    s.check("exactly 50 members (AL-LIMIT-50)", members is not None and len(members) == 50, f"got {members and len(members)}")
    s.refused("the 51st account is refused (AL-LIMIT-50)", lambda: owner.share(base, add=[crowd[49]]), "QuotaExceed.ShareImageUser", owner.code)

    everyone = [alice_id] + crowd[:49]
    for i in range(0, 50, 10):
        s.run(f"owner cancels shares {i + 1}..{i + 10}", lambda b=everyone[i : i + 10]: owner.share(base, remove=b))
    members = s.run("owner lists members after cancelling", lambda: owner.members(base))
    s.check("no members left", members == [], f"got {members}")
    mine = s.run("alice lists after the cancel", alice.shared_with_me)
    s.check("alice no longer sees base (AL-AFTER-UNSHARE)", mine is not None and base not in mine, f"got {mine}")
    s.run("owner deletes base once unshared", lambda: owner.delete(base))

    copy = s.run("owner copies spare to another region", lambda: owner.copy(spare, AWAY))
    if copy:
        owner_away, alice_away = client(s, "owner", AWAY), client(s, "alice", AWAY)
        s.refused("sharing the copy from home does not reach it (AL-SAME-REGION)", lambda: owner.share(copy, add=[alice_id]), "InvalidImageId.NotFound", owner.code)
        s.run("owner shares the copy in its region", lambda: owner_away.share(copy, add=[alice_id]))
        there = s.run("alice lists in the copy's region", alice_away.shared_with_me)
        s.check("alice sees the copy there", there is not None and copy in there, f"got {there}")
        here = s.run("alice lists in home", alice.shared_with_me)
        s.check("and not in home", here is not None and copy not in here, f"got {here}")
    s.finish()


@pytest.mark.parametrize("name", list(CLIENTS), ids=["tea-acs3", "tea-v1", "core"])
def test_use(s, name):
    """The use-half as a client runs it: an image from an instance, shared, launched, cancelled."""
    client = CLIENTS[name]
    s.section(f"{name}: an image from an instance, shared and used")
    HOME = s.regions["home"]
    owner, alice, bob = client(s, "owner", HOME), client(s, "alice", HOME), client(s, "bob", HOME)
    spare = s.image("spare")
    alice_id = s.account("alice")["id"]
    build = s.run("owner launches an instance from spare", lambda: owner.launch(spare))
    golden = build and s.run("owner makes an image from it (CreateImage InstanceId)", lambda: owner.create_image(build, "golden"))
    if not golden:
        return s.finish()
    s.refused("alice cannot make an image from owner's instance", lambda: alice.create_image(build, "mine"), "InvalidInstanceId.NotFound", alice.code)
    imported = s.run("owner imports an image from OSS (ImportImage)", lambda: owner.import_image("imported"))
    s.check("the answer names the image and its task", bool(imported and imported[0] and imported[1]), f"got {imported}")
    if imported:
        s.run("owner shares the imported image with alice", lambda: owner.share(imported[0], add=[alice_id]))
        seen = s.run("alice lists images shared with her", alice.shared_with_me)
        s.check("alice sees the imported image", seen is not None and imported[0] in seen, f"got {seen}")
    quota = s.run("owner reads the image quota (DescribeAccountAttributes)", owner.quota)
    s.check("the quota counts owner's images", quota is not None and quota.get("used-custom-image-count", 0) >= 2 and quota.get("max-custom-image-count", 0) >= quota.get("used-custom-image-count", 0), f"got {quota}")
    s.run("owner shares it with alice", lambda: owner.share(golden, add=[alice_id]))
    inst = s.run("alice launches from it", lambda: alice.launch(golden))
    s.refused("bob, a stranger, cannot launch from it", lambda: bob.launch(golden), "InvalidImageId.NotFound", bob.code)
    if not inst:
        return s.finish()
    listed = s.run("alice lists her instances by image", lambda: alice.instances(image=golden))
    s.check("her instance runs the shared image", listed == [inst], f"got {listed}")
    disks = s.run("alice describes her instance's system disk", lambda: alice.disks(inst))
    disk = "d-" + inst.removeprefix("i-")
    s.check("the disk was built from the image", disks == [(disk, golden)], f"got {disks}")
    s.run("owner cancels the share", lambda: owner.share(golden, remove=[alice_id]))
    s.refused("alice's re-init after the cancel is refused (AL-AFTER-UNSHARE)", lambda: alice.reinit(disk), "OperationDenied.ImageNotValid", alice.code)
    s.refused("alice's replace to the image is refused", lambda: alice.replace(inst, golden), "InvalidImageId.NotFound", alice.code)
    kept = s.run("alice's instance stays (DescribeInstances InstanceIds)", lambda: alice.instances(ids=[inst]))
    s.check("and is listed", kept == [inst], f"got {kept}")
    s.refused("owner cannot stop alice's instance", lambda: owner.stop(inst), "InvalidInstanceId.NotFound", owner.code)
    s.refused("owner cannot release alice's instance", lambda: owner.delete_instance(inst), "InvalidInstanceId.NotFound", owner.code)
    s.run("alice stops her instance", lambda: alice.stop(inst))
    stopped = s.run("alice lists her stopped instances", lambda: alice.instances(status="Stopped"))
    s.check("hers is stopped", stopped == [inst], f"got {stopped}")
    s.run("alice releases her instance (Force)", lambda: alice.delete_instance(inst))
    gone = s.run("alice lists after the release", lambda: alice.instances(ids=[inst]))
    s.check("it is gone", gone == [], f"got {gone}")
    s.finish()


@pytest.mark.parametrize(
    "name, client, wrong_secret_code",
    [
        ("tea SDK, ACS3", CLIENTS["tea SDK, ACS3-HMAC-SHA256"], "SignatureDoesNotMatch"),
        ("tea SDK, RPC v1", CLIENTS["tea SDK, RPC v1 HMAC-SHA1"], "SignatureDoesNotMatch"),
        # The core SDK rewrites SignatureDoesNotMatch when only the secret differs.
        ("core SDK", CLIENTS["core SDK, RPC v1 HMAC-SHA1"], "InvalidAccessKeySecret"),
    ],
    ids=["tea-acs3", "tea-v1", "core"],
)
def test_auth(s, name, client, wrong_secret_code):
    s.section(f"{name}: authentication")
    HOME = s.regions["home"]
    bad = client(s, "owner", HOME, secret="not-the-secret")
    s.refused("a wrong secret is refused", bad.shared_with_me, wrong_secret_code, bad.code)
    unknown = client(s, "owner", HOME, key_id="LTAI5tNoSuchKey00000000")
    s.refused("an unknown key is refused", unknown.shared_with_me, "InvalidAccessKeyId.NotFound", unknown.code)
    s.finish()
