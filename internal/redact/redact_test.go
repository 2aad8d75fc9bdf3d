package redact

import (
	"strings"
	"testing"
)

func TestRedact(t *testing.T) {
	r := &Redactor{
		Home:     "/home/alice",
		User:     "alice",
		Host:     "build-box-7",
		TempDirs: []string{"/tmp"},
		Secrets:  map[string]string{"MY_API_KEY": "s3cr3t-value-123", "SHORT_TOKEN": "abc"},
	}
	tests := []struct {
		name, in, want string
	}{
		{"home", `File "/home/alice/src/x.py", line 3`, `File "~/src/x.py", line 3`},
		{"home alone", "cd /home/alice", "cd ~"},
		{"home prefix of another dir is not ~ (another user's home)", "/home/alicex/y", "/home/<user>/y"},
		{"user name", "owner alice, group alice-dev", "owner <user>, group alice-dev"},
		{"host name", "connected to build-box-7.", "connected to <host>."},
		{"temp path", "wrote /tmp/tmp.Xy12/out.txt", "wrote $TMP/tmp.Xy12/out.txt"},
		{"work dir", "File \"/tmp/reprokit-run-123/work/script-x-99/repro.py\"", "File \"$WORK/repro.py\""},
		{"ghp token", "token ghp_16C7e42F292c6912E7710c838347Ae178B4a used", "token [REDACTED] used"},
		{"gho token", "gho_16C7e42F292c6912E7710c838347Ae178B4a", "[REDACTED]"},
		{"ghu token", "ghu_16C7e42F292c6912E7710c838347Ae178B4a", "[REDACTED]"},
		{"ghs token", "x=ghs_16C7e42F292c6912E7710c838347Ae178B4a", "x=[REDACTED]"},
		{"ghr token", "ghr_16C7e42F292c6912E7710c838347Ae178B4a!", "[REDACTED]!"},
		{"fine-grained pat", "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz", "[REDACTED]"},
		{"secret env value anywhere", "the key is s3cr3t-value-123 here", "the key is [REDACTED:MY_API_KEY] here"},
		{"secret-named assignment", "DB_PASSWORD=hunter2 next", "DB_PASSWORD=[REDACTED] next"},
		{"secret-named yaml", `aws_secret_access_key: "AKIAXXXX"`, `aws_secret_access_key: "[REDACTED]"`},
		{"short secret values are not hunted", "abc is fine", "abc is fine"},
		{"url credentials", "git clone https://bob:pa55@example.com/r.git", "git clone https://[REDACTED]@example.com/r.git"},
		{"url user only", "ssh://deploy@host.example/x", "ssh://[REDACTED]@host.example/x"},
		{"authorization bearer", "Authorization: Bearer abc.def.ghi", "Authorization: [REDACTED]"},
		{"authorization token", `"authorization": "token 123456"`, `"authorization": "[REDACTED]"`},
		{"proxy authorization", "Proxy-Authorization: Basic dXNlcjpwYXNz", "Proxy-Authorization: [REDACTED]"},
		{"pem block", "x\n-----BEGIN RSA PRIVATE KEY-----\nMIIEow\nabc\n-----END RSA PRIVATE KEY-----\ny", "x\n[REDACTED PEM BLOCK]\ny"},
		{"pem certificate", "-----BEGIN CERTIFICATE-----\nAAA\n-----END CERTIFICATE-----", "[REDACTED PEM BLOCK]"},
		{"pem without its END line", "key:\n-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\nQyNTUxOQAAACBz\n", "key:\n[REDACTED PEM BLOCK]"},
		{"pem cut short, then other lines", "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nMIIEow\naws id x\nok", "[REDACTED PEM BLOCK]\naws id x\nok"},
		{"aws access key id", "id AKIAIOSFODNN7EXAMPLE used", "id [REDACTED] used"},
		{"aws secret in ini", "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "aws_secret_access_key = [REDACTED]"},
		{"aws secret in json", `{"aws_secret_access_key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}`, `{"aws_secret_access_key": "[REDACTED]"}`},
		{"slack token", "SLACK xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx end", "SLACK [REDACTED] end"},
		{"stripe live key", "stripe.api_key sk_live_4eC39HqLyjWDarjtT1zdp7dc", "stripe.api_key [REDACTED]"},
		{"google api key", "key=AIzaSyDaGmWKa4JsXZ-HjGw7ISLn_3namBGewQe", "key=[REDACTED]"},
		{"e-mail address", "reported by bob.smith+py@example.co.uk today", "reported by <email> today"},
		{"other user's home", `File "/home/bob/proj/x.py", line 1`, `File "/home/<user>/proj/x.py", line 1`},
		{"macOS home", "/Users/carol/src", "/Users/<user>/src"},
		{"secrets as a word in prose", "secrets: will leak if asked", "secrets: will leak if asked"},
		{"password in prose form with a secret value", "password: hunter2", "password: [REDACTED]"},
		{"plain text untouched", "Fatal Python error: not main interpreter", "Fatal Python error: not main interpreter"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := r.String(tt.in); got != tt.want {
				t.Errorf("\n got  %q\n want %q", got, tt.want)
			}
		})
	}
}

func TestRootIsNotRedactedAsAWord(t *testing.T) {
	r := &Redactor{Home: "/root", User: "root"}
	got := r.String("the root actor at /root/.pyenv/versions/3.12.1/bin/python3")
	if got != "the root actor at ~/.pyenv/versions/3.12.1/bin/python3" {
		t.Error(got)
	}
	if strings.Contains(r.String("/rooted"), "~") {
		t.Error("/rooted is not under /root")
	}
}
