"""allauth's messages that Vigie's users read (sign-in, e-mail, second factor, the
e-mails allauth sends), listed so that ``makemessages`` keeps their French in Vigie's
catalogue, which takes precedence over allauth's: allauth's French uses the straight
apostrophe, Vigie's the typographic one (tests/i18n/test_catalogue.py). The features
Vigie leaves off (usernames, phones, passkeys, social accounts) are not listed."""

from __future__ import annotations

from django.utils.translation import gettext_noop as _noop

MESSAGES = (
    _noop("This email address is already associated with this account."),
    _noop("Please type your current password."),
    _noop("The email address is not assigned to any user account."),
    _noop("The new value must be different from the current one."),
    _noop("Use authenticator app or code"),
    _noop("Email address confirmation"),
    _noop("You cannot add an email address to an account protected by two-factor authentication."),
    _noop("You cannot deactivate two-factor authentication."),
    _noop("You cannot generate recovery codes without having two-factor authentication enabled."),
    _noop(
        "You cannot activate two-factor authentication until you have verified your email address."
    ),
    _noop("Authenticator code"),
    _noop("Confirm Access"),
    _noop(
        "You are receiving this email because you or someone else tried to signup for "
        "an\naccount using email address:\n\n%(email)s\n\nHowever, an account using that email "
        "address already exists.  In case you have\nforgotten about this, please use the "
        "password forgotten procedure to recover\nyour account:\n\n%(password_reset_url)s"
    ),
    _noop(
        "If you do not recognize this change then please take proper security precautions "
        "immediately. The change to your account originates from:\n\n- IP address: %(ip)s\n- "
        "Browser: %(user_agent)s\n- Date: %(timestamp)s"
    ),
    _noop(
        "You're receiving this email because user %(user_display)s has given your email address "
        "to register an account on %(site_domain)s."
    ),
    _noop("This mail can be safely ignored if you did not initiate this action."),
    _noop(
        "You're receiving this email because you or someone else has requested a password reset "
        "for your user account.\nIt can be safely ignored if you did not request a password "
        "reset. Click the link below to reset your password."
    ),
    _noop(
        "You are receiving this email because you, or someone else, tried to access an account "
        "with email %(email)s. However, we do not have any record of such an account in our "
        "database."
    ),
    _noop("If it was you, you can sign up for an account using the link below."),
    _noop("Change Email"),
    _noop("Confirm Email Address"),
    _noop(
        'Please confirm that <a href="mailto:%(email)s">%(email)s</a> is an email address for '
        "user %(user_display)s."
    ),
    _noop(
        "This email confirmation link expired or is invalid. Please <a "
        'href="%(email_url)s">issue a new email confirmation request</a>.'
    ),
    _noop("If you have not created an account yet, then please %(link)ssign up%(end_link)s first."),
    _noop(
        "We have sent you an email. If you have not received it please check your spam folder. "
        "Otherwise contact us if you do not receive it in a few minutes."
    ),
    _noop("Bad Token"),
    _noop(
        "You currently do not have any email address set up. You should really add an email "
        "address so you can receive notifications, reset your password, etc."
    ),
    _noop(
        "We have sent an email to you for verification. Follow the link provided to finalize "
        "the signup process. If you do not see the verification email in your main inbox, check "
        "your spam folder. Please contact us if you do not receive the verification email "
        "within a few minutes."
    ),
    _noop(
        "This part of the site requires us to verify that\nyou are who you claim to be. For "
        "this purpose, we require that you\nverify ownership of your email address. "
    ),
    _noop(
        "We have sent an email to you for\nverification. Please click on the link inside that "
        "email. If you do not see the verification email in your main inbox, check your spam "
        "folder. Otherwise\ncontact us if you do not receive it within a few minutes."
    ),
    _noop(
        "Your account is protected by two-factor authentication. Please enter an authenticator "
        "code:"
    ),
    _noop("A new set of Two-Factor Authentication recovery codes has been generated."),
    _noop("Authenticator app activated."),
    _noop("Authenticator App Activated"),
    _noop("Authenticator app deactivated."),
    _noop("Authenticator App Deactivated"),
    _noop("Authenticator App"),
    _noop("Authentication using an authenticator app is active."),
    _noop("An authenticator app is not active."),
    _noop("Enter an authenticator code:"),
    _noop("I have saved my recovery codes"),
    _noop("Activate Authenticator App"),
    _noop(
        "To protect your account with two-factor authentication, scan the QR code below with "
        "your authenticator app. Then, input the verification code generated by the app below."
    ),
    _noop("Authenticator secret"),
    _noop(
        "You can store this secret and use it to reinstall your authenticator app at a later time."
    ),
    _noop("Deactivate Authenticator App"),
    _noop("You are about to deactivate authenticator app based authentication. Are you sure?"),
)
