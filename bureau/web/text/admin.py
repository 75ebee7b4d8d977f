"""The admin's pages' words: key -> (中文, English)."""

TEXT: dict[str, tuple[str, str]] = {
    "users.title": ("用户", "Users"),
    "users.name": ("用户名", "User name"),
    "users.role": ("角色", "Role"),
    "users.clearance": ("涉密等级", "Clearance"),
    "users.dept": ("部门", "Department"),
    "users.status": ("状态", "Status"),
    "users.password": ("密码", "Password"),
    "users.enabled": ("启用", "enabled"),
    "users.disabled": ("已停用", "disabled"),
    "users.has_password": ("已设置", "set"),
    "users.no_password": ("未设置", "not set"),
    "users.you": ("（您）", "(you)"),
    "users.edit": ("修改", "Edit"),
    "users.level.public": ("公开", "public"),
    "users.level.internal": ("内部", "internal"),
    "users.level.confidential": ("秘密", "confidential"),
    "users.level.secret": ("机密", "secret"),
    "users.level.top-secret": ("绝密", "top secret"),
    "users.add": ("添加用户", "Add a user"),
    "users.add_submit": ("添加", "Add"),
    "users.first_password": ("初始密码", "First password"),
    "users.repeat": ("再次输入密码", "Repeat the password"),
    "users.no_dept": ("（无）", "(none)"),
    "users.dept_hint": (
        "秘书必须属于一个部门，只能处理本部门的公文。密码至少 8 个字符。",
        "A secretary belongs to a department and works on its documents only. A password "
        "has at least 8 characters.",
    ),
    "users.differ": ("两次输入的密码不一致", "The two passwords differ"),
    "users.added": ("已添加用户", "The user was added"),
    "users.back": ("全部用户", "All users"),
    "users.edit_title": ("修改用户", "Edit a user"),
    "users.edit_heading": ("用户 {name}", "User {name}"),
    "users.created": ("由 {by} 于 {at} 创建", "Created by {by} on {at}"),
    "users.change": ("角色、涉密等级与部门", "Role, clearance and department"),
    "users.may_sign_in": ("启用（可以登录）", "Enabled (may sign in)"),
    "users.change_hint": (
        "停用的用户立即退出所有会话。最后一位启用的管理员不能被降级或停用。",
        "A disabled user's sessions end at once. The last enabled administrator cannot "
        "be demoted or disabled.",
    ),
    "users.save": ("保存", "Save"),
    "users.changed": ("已保存修改", "The changes were saved"),
    "users.set_password": ("设置密码", "Set the password"),
    "users.password_hint": (
        "设置新密码后，该用户的所有会话立即结束，须用新密码重新登录。",
        "Once a new password is set, all of the user's sessions end: they sign in again "
        "with the new one.",
    ),
    "users.own_password": ("修改您自己的密码请到", "To change your own password, go to"),
    "users.new_password": ("新密码", "New password"),
    "users.password_set": (
        "已设置新密码，该用户的会话均已结束",
        "The password was set: the user's sessions have ended",
    ),
}
