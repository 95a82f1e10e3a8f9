"""JD Cloud VM: the official SDK (jdcloud-sdk, VmClient) against `sharesim serve`, unchanged.

The Python SDK never raises on an API error: it returns `resp.error` (code, status, message),
so every step checks `resp.error` and `resp.request_id`.
"""

import pytest
from jdcloud_sdk.core.config import Config
from jdcloud_sdk.core.credential import Credential
from jdcloud_sdk.core.logger import Logger
from jdcloud_sdk.services.common.models.Filter import Filter
from jdcloud_sdk.services.vm.apis.CopyImagesRequest import CopyImagesParameters, CopyImagesRequest
from jdcloud_sdk.services.vm.apis.CreateImageRequest import CreateImageParameters, CreateImageRequest
from jdcloud_sdk.services.vm.apis.CreateInstancesRequest import CreateInstancesParameters, CreateInstancesRequest
from jdcloud_sdk.services.vm.apis.DeleteInstanceRequest import DeleteInstanceParameters, DeleteInstanceRequest
from jdcloud_sdk.services.vm.apis.DescribeInstanceRequest import DescribeInstanceParameters, DescribeInstanceRequest
from jdcloud_sdk.services.vm.apis.DescribeInstancesRequest import DescribeInstancesParameters, DescribeInstancesRequest
from jdcloud_sdk.services.vm.apis.DescribeQuotasRequest import DescribeQuotasParameters, DescribeQuotasRequest
from jdcloud_sdk.services.vm.apis.ImportImageRequest import ImportImageParameters, ImportImageRequest
from jdcloud_sdk.services.vm.apis.ModifyImageAttributeRequest import ModifyImageAttributeParameters, ModifyImageAttributeRequest
from jdcloud_sdk.services.vm.apis.RebuildInstanceRequest import RebuildInstanceParameters, RebuildInstanceRequest
from jdcloud_sdk.services.vm.apis.StopInstanceRequest import StopInstanceParameters, StopInstanceRequest
from jdcloud_sdk.services.vm.apis.DeleteImageRequest import DeleteImageParameters, DeleteImageRequest
from jdcloud_sdk.services.vm.apis.DescribeImageMembersRequest import DescribeImageMembersParameters, DescribeImageMembersRequest
from jdcloud_sdk.services.vm.apis.DescribeImageRequest import DescribeImageParameters, DescribeImageRequest
from jdcloud_sdk.services.vm.apis.DescribeImagesRequest import DescribeImagesParameters, DescribeImagesRequest
from jdcloud_sdk.services.vm.apis.ShareImageRequest import ShareImageParameters, ShareImageRequest
from jdcloud_sdk.services.vm.apis.UnShareImageRequest import UnShareImageParameters, UnShareImageRequest
from jdcloud_sdk.services.vm.client.VmClient import VmClient
from jdcloud_sdk.services.vm.models.InstanceSpec import InstanceSpec

from common import suite

pytestmark = pytest.mark.sharesim(providers=["jdcloud"])


@pytest.fixture
def s(sharesim):
    yield from suite(sharesim, "jdcloud")


class ApiError(Exception):
    def __init__(self, resp):
        e = resp.error
        self.status, self.code, self.message = e.status, e.code, e.message
        super().__init__(f"{e.code} {e.status}: {e.message} (requestId {resp.request_id})")


def status(e):
    return getattr(e, "status", None)


class Vm:
    """VmClient for `account`; a method without `region` calls in the world's home region."""

    def __init__(self, s, account, secret=None, key_id=None):
        a = s.account(account)
        cred = Credential(key_id or a["access_key_id"], secret or a["access_key_secret"])
        self.c = VmClient(cred, Config(s.hostport, scheme="http", timeout=10), Logger(-1))
        self.home = s.regions["home"]

    def send(self, req):
        resp = self.c.send(req)
        if not resp.request_id:
            raise AssertionError("every JD response carries a requestId")
        if resp.error is not None:
            raise ApiError(resp)
        return resp.result

    def share(self, image, pins, region=None):
        region = region or self.home
        p = ShareImageParameters(region, image)
        p.setPins(pins)
        return self.send(ShareImageRequest(p))

    def unshare(self, image, pins, region=None):
        region = region or self.home
        p = UnShareImageParameters(region, image)
        p.setPins(pins)
        return self.send(UnShareImageRequest(p))

    def members(self, image, region=None):
        region = region or self.home
        return self.send(DescribeImageMembersRequest(DescribeImageMembersParameters(region, image)))["pins"]

    def shared_with_me(self, region=None):
        region = region or self.home
        p = DescribeImagesParameters(region)
        p.setImageSource("shared")
        p.setPageSize(100)
        return [i["imageId"] for i in (self.send(DescribeImagesRequest(p)) or {}).get("images", [])]

    def describe(self, image, region=None):
        region = region or self.home
        return self.send(DescribeImageRequest(DescribeImageParameters(region, image)))["image"]

    def delete(self, image, region=None):
        region = region or self.home
        return self.send(DeleteImageRequest(DeleteImageParameters(region, image)))

    def copy(self, image, to, region=None):
        region = region or self.home
        p = CopyImagesParameters(region, [image], to)
        return self.send(CopyImagesRequest(p))["copyImages"][0]["destinationImageId"]

    def launch(self, image, region=None):
        region = region or self.home
        spec = InstanceSpec("sharesim-vm", az=f"{region}a", instanceType="g.n2.medium", imageId=image)
        p = CreateInstancesParameters(region, spec)
        p.setMaxCount(1)
        return self.send(CreateInstancesRequest(p))["instanceIds"][0]

    def instances(self, region=None, **filters):
        region = region or self.home
        p = DescribeInstancesParameters(region)
        if filters:
            p.setFilters([Filter(k, [v]) for k, v in filters.items()])
        return [i["instanceId"] for i in self.send(DescribeInstancesRequest(p))["instances"]]

    def instance(self, instance, region=None):
        region = region or self.home
        return self.send(DescribeInstanceRequest(DescribeInstanceParameters(region, instance)))["instance"]

    def stop(self, instance, region=None):
        region = region or self.home
        return self.send(StopInstanceRequest(StopInstanceParameters(region, instance)))

    def delete_instance(self, instance, region=None):
        region = region or self.home
        return self.send(DeleteInstanceRequest(DeleteInstanceParameters(region, instance)))

    def rebuild(self, instance, image=None, region=None):
        region = region or self.home
        p = RebuildInstanceParameters(region, instance)
        p.setPassword("Sharesim-1234")
        if image:
            p.setImageId(image)
        return self.send(RebuildInstanceRequest(p))

    def create_image(self, instance, name, region=None):
        region = region or self.home
        p = CreateImageParameters(region, instance, name)
        p.setDescription("made from an instance")
        return self.send(CreateImageRequest(p))["imageId"]

    def import_image(self, name, region=None):
        region = region or self.home
        url = f"https://sharesim-images.s3.{region}.jdcloud-oss.com/{name}.qcow2"
        p = ImportImageParameters(region, "x86_64", "linux", "Other Linux", "qcow2", 40, url, name)
        p.setDescription("imported from a file")
        p.setClientToken(f"sharesim-import-{name}")
        return self.send(ImportImageRequest(p))

    def rename(self, image, name, region=None):
        region = region or self.home
        p = ModifyImageAttributeParameters(region, image)
        p.setName(name)
        return self.send(ModifyImageAttributeRequest(p))

    def quotas(self, region=None):
        region = region or self.home
        p = DescribeQuotasParameters(region)
        p.setFilters([Filter("resourceTypes", ["image"])])
        return self.send(DescribeQuotasRequest(p))["quotas"]


def test_workflow(s):
    """The use-half as a client runs it: image from an instance, share, launch, cancel, rebuild."""
    s.section("an image from an instance, shared and used")
    owner, alice, bob = Vm(s, "owner"), Vm(s, "alice"), Vm(s, "bob")
    spare = s.image("spare")
    alice_pin = s.account("alice")["id"]
    build = s.run("owner launches an instance from spare", lambda: owner.launch(spare))
    golden = build and s.run("owner makes an image from it", lambda: owner.create_image(build, "golden"))
    if not golden:
        return s.finish()
    s.run("owner renames the image (ModifyImageAttribute)", lambda: owner.rename(golden, "golden-2"))
    s.refused("alice cannot make an image from owner's instance", lambda: alice.create_image(build, "mine"), "NOT_FOUND", status)
    s.run("owner shares it with alice", lambda: owner.share(golden, [alice_pin]))
    inst = s.run("alice launches from it (JD-RECIPIENT-USE)", lambda: alice.launch(golden))
    s.refused("bob, a stranger, cannot launch from it", lambda: bob.launch(golden), "NOT_FOUND", status)
    if not inst:
        return s.finish()
    listed = s.run("alice describes her instances by image", lambda: alice.instances(imageId=golden))
    s.check("her instance runs the shared image", listed == [inst], f"got {listed}")
    s.run("alice rebuilds it from its own image while shared", lambda: alice.rebuild(inst))
    s.run("owner cancels the share", lambda: owner.unshare(golden, [alice_pin]))
    s.refused("alice's rebuild to the image is refused (JD-CANCEL)", lambda: alice.rebuild(inst, golden), "NOT_FOUND", status)
    s.refused("alice's rebuild from its own image is refused too", lambda: alice.rebuild(inst), "NOT_FOUND", status)
    one = s.run("alice's instance stays (describeInstance)", lambda: alice.instance(inst))
    s.check("and still runs", one is not None and one.get("status") == "running", f"got {one}")
    quotas = s.run("owner reads its image quota (describeQuotas)", owner.quotas)
    image = [q for q in (quotas or []) if q.get("resourceType") == "image"]
    s.check("the image quota answers with used and limit (JD-IMAGE-QUOTA)", len(image) == 1 and image[0].get("limit") == 20 and image[0].get("used", 0) >= 1, f"got {quotas}")
    s.refused("owner cannot stop alice's instance", lambda: owner.stop(inst), "NOT_FOUND", status)
    s.refused("owner cannot delete alice's instance", lambda: owner.delete_instance(inst), "NOT_FOUND", status)
    s.run("alice stops her instance", lambda: alice.stop(inst))
    stopped = s.run("alice lists her stopped instances", lambda: alice.instances(status="stopped"))
    s.check("hers is stopped", stopped == [inst], f"got {stopped}")
    s.run("alice deletes her instance", lambda: alice.delete_instance(inst))
    s.refused("a deleted instance is not found", lambda: alice.instance(inst), "NOT_FOUND", status)
    s.finish()


def test_share_cancel_copy_import(s):
    HOME, AWAY = s.regions["home"], s.regions["away"]
    owner, alice = Vm(s, "owner"), Vm(s, "alice")
    base, spare = s.image("base"), s.image("spare")
    alice_pin = s.account("alice")["id"]
    crowd = [s.account(f"crowd{i}")["id"] for i in range(1, 11)]

    s.section("share, list, limit, delete while shared")
    s.run("owner shares base with alice's PIN", lambda: owner.share(base, [alice_pin]))
    mine = s.run("alice lists imageSource=shared", alice.shared_with_me)
    s.check("alice sees base", mine == [base], f"got {mine}")
    members = s.run("owner lists base's members", lambda: owner.members(base))
    s.check("alice's PIN is the member", members == [alice_pin], f"got {members}")
    image = s.run("alice describes base", lambda: alice.describe(base))
    s.check("the image is ready", image is not None and image.get("status") == "ready", f"got {image}")
    s.refused("owner deletes base while shared (JD-DELETE-SHARED)", lambda: owner.delete(base), "FAILED_PRECONDITION", status)
    s.refused("alice re-shares base (JD-NO-RESHARE)", lambda: alice.share(base, [crowd[0]]), "FAILED_PRECONDITION", status)
    account_id = s.account("bob")["identities"].get("account_id")
    s.refused("an account ID instead of a PIN (JD-PIN)", lambda: owner.share(base, [account_id]), "FAILED_PRECONDITION", status)
    s.run("owner shares with 9 more PINs (10 in all)", lambda: owner.share(base, crowd[:9]))
    s.refused("the 11th PIN is refused (JD-LIMIT-10)", lambda: owner.share(base, [crowd[9]]), "QUOTA_EXCEEDED", status)
    members = s.run("owner lists 10 members", lambda: owner.members(base))
    s.check("exactly 10 members", members is not None and len(members) == 10, f"got {members}")

    s.section("cancel, delete, copy then share")
    s.run("owner cancels every share", lambda: owner.unshare(base, [alice_pin] + crowd[:9]))
    mine = s.run("alice lists after the cancel", alice.shared_with_me)
    s.check("alice no longer sees base (JD-CANCEL)", mine == [], f"got {mine}")
    s.run("owner deletes base once unshared", lambda: owner.delete(base))
    copy = s.run("owner copies spare to another region", lambda: owner.copy(spare, AWAY))
    if copy:
        s.refused("the copy is not in home (JD-REGIONAL)", lambda: owner.share(copy, [alice_pin]), "NOT_FOUND", status)
        s.run("owner shares the copy in its region", lambda: owner.share(copy, [alice_pin], AWAY))
        there = s.run("alice lists in that region", lambda: alice.shared_with_me(AWAY))
        s.check("alice sees the copy there", there == [copy], f"got {there}")

    s.section("an imported image, shared")
    imported = s.run("owner imports an image (importImage)", lambda: owner.import_image("imported"))
    s.check("the answer names the image and its task", bool(imported and imported.get("imageId") and imported.get("importTaskId")), f"got {imported}")
    if imported and imported.get("imageId"):
        img = imported["imageId"]
        got = s.run("owner describes the imported image", lambda: owner.describe(img))
        s.check("it is owner's private image", got is not None and got.get("name") == "imported" and got.get("imageSource") == "private", f"got {got}")
        s.run("owner shares it with alice", lambda: owner.share(img, [alice_pin]))
        mine = s.run("alice lists imageSource=shared", alice.shared_with_me)
        s.check("alice sees the imported image", mine is not None and img in mine, f"got {mine}")
    s.refused("a 30 GB system disk is refused", lambda: owner.send(ImportImageRequest(ImportImageParameters(HOME, "x86_64", "linux", "Other Linux", "qcow2", 30, "https://b.s3.jdcloud-oss.com/x.qcow2", "bad-size"))), "INVALID_ARGUMENT", status)
    s.finish()


def test_authentication(s):
    s.section("authentication")
    bad = Vm(s, "owner", secret="not-the-secret")
    s.refused("a wrong secret is refused", bad.shared_with_me, "ACCESS_ERROR", status)
    unknown = Vm(s, "owner", key_id="0" * 32)
    s.refused("an unknown access key is refused", unknown.shared_with_me, "ACCESS_ERROR", status)
    s.finish()
