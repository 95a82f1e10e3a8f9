"""Alibaba Cloud ECS: the official SDKs against `sharesim serve`, unchanged.

Three clients run the same sequence: the tea SDK (alibabacloud-ecs20140526) with ACS3-HMAC-SHA256,
the tea SDK with RPC signature v1 (HMAC-SHA1), and the core SDK (aliyun-python-sdk-ecs).
"""

import json

from alibabacloud_ecs20140526 import models as m
from alibabacloud_ecs20140526.client import Client as TeaClient
from alibabacloud_tea_openapi.models import Config
from aliyunsdkcore.acs_exception.exceptions import ClientException as CoreClientError
from aliyunsdkcore.acs_exception.exceptions import ServerException as CoreServerError
from aliyunsdkcore.client import AcsClient
from aliyunsdkecs.request.v20140526 import (
    CopyImageRequest,
    DeleteImageRequest,
    DescribeImageSharePermissionRequest,
    DescribeImagesRequest,
    ModifyImageSharePermissionRequest,
    ReInitDiskRequest,
    ReplaceSystemDiskRequest,
    RunInstancesRequest,
)

from common import Suite, guarded

s = Suite("alibaba")
HOME = s.regions["home"]
AWAY = s.regions["away"]


def tea_code(e):
    return getattr(e, "code", None)


def core_code(e):
    if isinstance(e, CoreServerError) or isinstance(e, CoreClientError):
        return e.get_error_code()
    return None


class Tea:
    """The tea SDK, with ACS3 (default) or RPC v1 (`signature_algorithm='v2'`)."""

    def __init__(self, account, region, v1=False, secret=None):
        a = s.account(account)
        cfg = Config(
            access_key_id=a["access_key_id"],
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


class Core:
    """The core SDK (aliyun-python-sdk-core + aliyun-python-sdk-ecs), RPC v1."""

    def __init__(self, account, region, secret=None):
        a = s.account(account)
        self.c = AcsClient(a["access_key_id"], secret or a["access_key_secret"], region, auto_retry=False)
        self.region = region
        self.code = core_code

    def _do(self, req):
        req.set_endpoint(s.hostport)
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


def sequence(name, client):
    s.section(name)
    s.reset()
    owner, alice = client("owner", HOME), client("alice", HOME)
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
        owner_away, alice_away = client("owner", AWAY), client("alice", AWAY)
        s.refused("sharing the copy from home does not reach it (AL-SAME-REGION)", lambda: owner.share(copy, add=[alice_id]), "InvalidImageId.NotFound", owner.code)
        s.run("owner shares the copy in its region", lambda: owner_away.share(copy, add=[alice_id]))
        there = s.run("alice lists in the copy's region", alice_away.shared_with_me)
        s.check("alice sees the copy there", there is not None and copy in there, f"got {there}")
        here = s.run("alice lists in home", alice.shared_with_me)
        s.check("and not in home", here is not None and copy not in here, f"got {here}")


def auth(name, client, wrong_secret_code):
    s.section(f"{name}: authentication")
    bad = client("owner", HOME, secret="not-the-secret")
    s.refused("a wrong secret is refused", bad.shared_with_me, wrong_secret_code, bad.code)
    a = s.account("owner")
    saved = a["access_key_id"]
    a["access_key_id"] = "LTAI5tNoSuchKey00000000"
    try:
        unknown = client("owner", HOME)
        s.refused("an unknown key is refused", unknown.shared_with_me, "InvalidAccessKeyId.NotFound", unknown.code)
    finally:
        a["access_key_id"] = saved


def main():
    tea_acs3 = lambda acc, reg, secret=None: Tea(acc, reg, v1=False, secret=secret)  # noqa: E731
    tea_v1 = lambda acc, reg, secret=None: Tea(acc, reg, v1=True, secret=secret)  # noqa: E731
    core = lambda acc, reg, secret=None: Core(acc, reg, secret=secret)  # noqa: E731
    sequence("tea SDK, ACS3-HMAC-SHA256", tea_acs3)
    sequence("tea SDK, RPC v1 HMAC-SHA1", tea_v1)
    sequence("core SDK, RPC v1 HMAC-SHA1", core)
    auth("tea SDK, ACS3", tea_acs3, "SignatureDoesNotMatch")
    auth("tea SDK, RPC v1", tea_v1, "SignatureDoesNotMatch")
    # The core SDK rewrites SignatureDoesNotMatch when only the secret differs.
    auth("core SDK", core, "InvalidAccessKeySecret")
    s.finish()


guarded(main)
