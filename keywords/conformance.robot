*** Settings ***
Documentation     Conformance cases from the c104test catalogue (protocol.md 2.3) for the RTU under test.
...
...               Link layer (L: STARTDT, STOPDT, TESTFR, t1, t3, sequence numbers), application
...               functions (A) and robustness (R). Each test names its catalogue case in its name
...               and tags. Every test opens a fresh connection.
...
...               With ``RTU_PORT`` 0 the suite starts the demo RTU with short timers (``T1``, ``T2``,
...               ``T3``) so that the timer cases take seconds. Against a real RTU pass its configured
...               timers, e.g. ``--variable T1:15s --variable T2:10s --variable T3:20s``, and the
...               addresses of its points below. Cases that need to change points in the RTU are
...               skipped against a real RTU.

Library           DateTime
Resource          c104test.resource

Suite Setup       Start RTU Under Test    t1=${T1}    t2=${T2}    t3=${T3}
Suite Teardown    Close RTU Under Test
Test Setup        Fresh Connection
Test Teardown     Close All RTU Connections

Test Tags         conformance


*** Variables ***
${T1}                2s
${T2}                1s
${T3}                1s
${MARGIN}            2s
${SINGLE_POINT}      100
${MEASURED_VALUE}    301
${DIRECT_COMMAND}    500
${SBO_COMMAND}       501
${DOUBLE_COMMAND}    502
${COUNTER}           400
${EMPTY_GROUP}       GROUP_16
${UNKNOWN_IOA}       9999
${UNKNOWN_CA}        99
# PICS/PIXIT: does the RTU terminate commands with ACT_TERM? required (the demo RTU does),
# optional or never (lib60870-based RTUs send none)
${ACT_TERM}          required


*** Test Cases ***
L01 No I-frame Before STARTDT And TESTFR Is Answered
    [Documentation]    Expected: the RTU sends no I-frame before STARTDT and answers TESTFR act.
    [Tags]    l01
    Fresh Connection    start_data_transfer=False
    Expect No Message    within=500ms
    Send Test Frame

L02 STARTDT Is Confirmed And Initialisation Is Reported
    [Documentation]    Expected: STARTDT con within t1, then end of initialisation (M_EI_NA_1, COT 4).
    [Tags]    l02    a01
    Fresh Connection    start_data_transfer=False
    Start Data Transfer
    Expect Frame    STARTDT_CON
    Expect Message    type=M_EI_NA_1    cot=INITIALIZED    common_address=${CA}

L03 I-frame While Stopped Is Never Confirmed
    [Documentation]    Expected: a command before STARTDT is not processed (the RTU closes or
    ...    ignores it, PIXIT), and never confirmed.
    [Tags]    l03
    Fresh Connection    start_data_transfer=False
    ${ca}    Octets In Hex    ${CA}    2
    Send ASDU    64 01 06 00 ${ca} 00 00 00 14    force=True
    Expect No Message    cot=ACTIVATION_CON    within=1s

L04 STOPDT Stops I-frames But TESTFR Is Still Answered
    [Documentation]    Expected: STOPDT con, no further I-frames, TESTFR still answered.
    [Tags]    l04
    Stop Data Transfer
    Expect Frame    STOPDT_CON
    IF    ${SIMULATED}    Set Simulated Point    ${SINGLE_POINT}    OFF
    Expect No Message    within=500ms
    Send Test Frame
    [Teardown]    Restore Point    ${SINGLE_POINT}    ON

L06 Events During STOPDT Arrive After STARTDT
    [Documentation]    Expected: events that occurred while stopped are delivered after STARTDT.
    [Tags]    l06
    Skip If    not ${SIMULATED}    needs the simulated RTU to cause an event
    Stop Data Transfer
    Set Simulated Point    ${SINGLE_POINT}    OFF
    Expect No Message    io_address=${SINGLE_POINT}    within=300ms
    Start Data Transfer
    Expect Message    cot=SPONTANEOUS    io_address=${SINGLE_POINT}
    [Teardown]    Restore Point    ${SINGLE_POINT}    ON

L07 TESTFR Is Answered In Started And Stopped State
    [Documentation]    Expected: TESTFR con in both states, without effect on the sequence numbers.
    [Tags]    l07
    Send Raw APDU    68 04 43 00 00 00
    Expect Frame    TESTFR_CON
    Send Test Command
    Stop Data Transfer
    Send Test Frame
    Start Data Transfer
    Send Test Command

L08 RTU Sends TESTFR After t3 Of Silence
    [Documentation]    Expected: TESTFR act about t3 after the last frame; the link stays up.
    [Tags]    l08
    ${wait}    Add Time To Time    ${T3}    ${MARGIN}
    Expect Frame    TESTFR_ACT    timeout=${wait}
    Send Test Command

L09 Unanswered TESTFR Closes The Connection
    [Documentation]    Expected: the RTU closes the connection about t1 after an unanswered TESTFR act.
    [Tags]    l09
    Ignore Test Frames
    ${wait}    Add Time To Time    ${T3}    ${T1}
    ${wait}    Add Time To Time    ${wait}    ${MARGIN}
    Expect Frame    TESTFR_ACT    timeout=${wait}
    Expect Connection Closed    timeout=${wait}

L10 Unacknowledged I-frames Close The Connection After t1
    [Documentation]    Expected: the RTU closes the connection about t1 after its oldest unacknowledged I-frame.
    [Tags]    l10
    Withhold Acknowledgements
    Send Interrogation
    ${wait}    Add Time To Time    ${T1}    ${MARGIN}
    Expect Connection Closed    timeout=${wait}

L16 Wrong N(S) Closes The Connection
    [Documentation]    Expected: an I-frame with N(S) other than V(R) closes the connection and is not executed.
    [Tags]    l16
    ${ca}    Octets In Hex    ${CA}    2
    Send ASDU    64 01 06 00 ${ca} 00 00 00 14    send_seq=5
    Expect Connection Closed    timeout=${MARGIN}
    Expect No Message    cot=ACTIVATION_CON    within=100ms

L17 Wrong N(R) Closes The Connection
    [Documentation]    Expected: an acknowledgement of frames the RTU never sent closes the connection.
    [Tags]    l17
    Send Test Command
    Send Acknowledgement    recv_seq=100
    Expect Connection Closed    timeout=${MARGIN}

L22 A New Connection Starts Afresh After A Close
    [Documentation]    Expected: the RTU accepts a new connection at once after the test closed the old one.
    [Tags]    l22
    Disconnect From RTU
    Fresh Connection
    Send Interrogation

A02 Station Interrogation
    [Documentation]    Expected: ACT_CON, every point with COT 20, ACT_TERM.
    [Tags]    a02
    ${result}    Send Interrogation
    Should Be True    $result.positive and $result.terminated
    Expect Message    cot=INTERROGATED_BY_STATION    io_address=${SINGLE_POINT}    common_address=${CA}

A03 Group Interrogation And An Empty Group
    [Documentation]    Expected: only group members with the group's COT; an empty group is refused (PIXIT).
    [Tags]    a03
    Send Interrogation    qualifier=GROUP_2
    Expect No Message    cot=INTERROGATED_BY_STATION    within=200ms
    Send Interrogation    qualifier=${EMPTY_GROUP}    expect=NEGATIVE

A05 Broadcast Interrogation Is Answered With The Station's Own CA
    [Documentation]    Expected: an interrogation of CA 65535 is answered by each station with its own CA.
    [Tags]    a05
    Send Interrogation    common_address=65535
    Expect Message    cot=INTERROGATED_BY_STATION    common_address=${CA}

A08 Counter Interrogation
    [Documentation]    Expected: counters with COT 37 (general) and COT 38 (group 1).
    [Tags]    a08    a09
    Send Counter Interrogation
    Expect Message    cot=REQUESTED_BY_GENERAL_COUNTER    io_address=${COUNTER}
    Send Counter Interrogation    qualifier=GROUP_1
    Expect Message    cot=REQUESTED_BY_GROUP_1_COUNTER    io_address=${COUNTER}

A13 Clock Synchronisation
    [Documentation]    Expected: ACT_CON.
    [Tags]    a13
    Send Clock Sync

A14 Clock Synchronisation With IOA Not 0 Is Refused
    [Documentation]    Expected: C_CS_NA_1 with IOA 5 is mirrored with COT 47, P/N=1.
    [Tags]    a14
    ${ca}    Octets In Hex    ${CA}    2
    Send ASDU    67 01 06 00 ${ca} 05 00 00 00 00 00 0C 01 06 19
    Expect Message    type=C_CS_NA_1    cot=UNKNOWN_IOA    negative=True

A16 Read Returns The Object With COT 5 And No ACT_CON
    [Documentation]    Expected: the object in its own type with COT 5, and no ACT_CON.
    [Tags]    a16
    Send Read Command    ${MEASURED_VALUE}
    Expect Message    cot=REQUEST    io_address=${MEASURED_VALUE}
    Expect No Message    type=C_RD_NA_1    cot=ACTIVATION_CON    within=300ms

A17 Read Of An Unknown IOA Is Refused With COT 47
    [Documentation]    Expected: C_RD_NA_1 mirrored with COT 47, P/N=1.
    [Tags]    a17
    Send Read Command    ${UNKNOWN_IOA}    expect=NEGATIVE
    Expect Message    type=C_RD_NA_1    cot=UNKNOWN_IOA    negative=True

A18 Test Command Is Mirrored
    [Documentation]    Expected: C_TS_TA_1 ACT_CON.
    [Tags]    a18
    Send Test Command

A19 C_TS_NA_1 Is Refused With COT 44
    [Documentation]    Expected: the IEC 101 test command is mirrored with COT 44, P/N=1.
    [Tags]    a19
    Send Test Command    with_time=False    expect=NEGATIVE
    Expect Message    type=C_TS_NA_1    cot=UNKNOWN_TYPE_ID    negative=True

A20 Reset Process Is Confirmed
    [Documentation]    Expected: ACT_CON for QRP 2 (reset of the event buffer).
    [Tags]    a20
    Send Reset Process    qualifier=2

A21 Direct Command
    [Documentation]    Expected: ACT_CON, return information with COT 11, and ACT_TERM where the
    ...    PICS says the RTU uses it (``ACT_TERM``).
    [Tags]    a21
    Send Command    ${DIRECT_COMMAND}    ON    C_SC_NA_1    act_term=${ACT_TERM}
    Expect Message    cot=RETURN_INFO_REMOTE

A22 Select Before Operate
    [Documentation]    Expected: select confirmed, execute confirmed, and terminated where the PICS
    ...    says the RTU uses ACT_TERM (``ACT_TERM``).
    [Tags]    a22
    Send Command    ${SBO_COMMAND}    OFF    C_SC_NA_1    select=True    act_term=${ACT_TERM}

A23 Execute Without Select Is Refused
    [Documentation]    Expected: a negative ACT_CON for an execute on a select-before-operate point.
    [Tags]    a23
    Send Command    ${SBO_COMMAND}    OFF    C_SC_NA_1    expect=NEGATIVE

A26 Cancelled Selection Cannot Be Executed
    [Documentation]    Expected: select, DEACT_CON for the cancel, then a negative ACT_CON for the execute.
    [Tags]    a26
    ${ca}    Octets In Hex    ${CA}    2
    ${ioa}    Octets In Hex    ${SBO_COMMAND}    3
    Send ASDU    2D 01 06 00 ${ca} ${ioa} 80
    Expect Message    type=C_SC_NA_1    cot=ACTIVATION_CON    negative=False
    Send Command    ${SBO_COMMAND}    OFF    C_SC_NA_1    select=True    deactivate=True
    Send Command    ${SBO_COMMAND}    OFF    C_SC_NA_1    expect=NEGATIVE

A27 Double Command With A Forbidden State Is Refused
    [Documentation]    Expected: DCS 0 (not permitted) gets a negative ACT_CON.
    [Tags]    a27
    Send Command    ${DOUBLE_COMMAND}    INTERMEDIATE    C_DC_NA_1    expect=NEGATIVE

A34 Command Addressing Errors
    [Documentation]    Expected: unknown IOA COT 47, unknown CA COT 46, cause 3 on a command COT 45.
    [Tags]    a34
    Send Command    ${UNKNOWN_IOA}    ON    C_SC_NA_1    expect=NEGATIVE
    Expect Message    cot=UNKNOWN_IOA    negative=True
    Send Command    ${DIRECT_COMMAND}    ON    C_SC_NA_1    common_address=${UNKNOWN_CA}    expect=NEGATIVE
    Expect Message    cot=UNKNOWN_CA    negative=True
    ${ca}    Octets In Hex    ${CA}    2
    ${ioa}    Octets In Hex    ${DIRECT_COMMAND}    3
    Send ASDU    2D 01 03 00 ${ca} ${ioa} 01
    Expect Message    type=C_SC_NA_1    cot=UNKNOWN_COT    negative=True

R01 Wrong Start Octet Closes The Connection
    [Documentation]    Expected: an APDU that does not start with 0x68 closes the connection.
    [Tags]    r01
    Send Raw APDU    69 04 07 00 00 00
    Expect Connection Closed    timeout=${MARGIN}

R08 Unknown Type Is Refused With COT 44
    [Documentation]    Expected: an unknown type (200) is mirrored with COT 44, P/N=1.
    [Tags]    r08
    ${ca}    Octets In Hex    ${CA}    2
    Send ASDU    C8 01 06 00 ${ca} 00 00 00 00
    Expect Message    type=200    cot=UNKNOWN_TYPE_ID    negative=True

R09 Monitoring Type From The Controlling Station Is Refused With COT 44
    [Documentation]    Expected: M_SP_NA_1 in the control direction is mirrored with COT 44, P/N=1.
    [Tags]    r09
    ${ca}    Octets In Hex    ${CA}    2
    ${ioa}    Octets In Hex    ${SINGLE_POINT}    3
    Send ASDU    01 01 03 00 ${ca} ${ioa} 00
    Expect Message    type=M_SP_NA_1    cot=UNKNOWN_TYPE_ID    negative=True

R10 Undefined Cause Is Refused With COT 45
    [Documentation]    Expected: an interrogation with COT 3 is mirrored with COT 45, P/N=1.
    [Tags]    r10
    ${ca}    Octets In Hex    ${CA}    2
    Send ASDU    64 01 03 00 ${ca} 00 00 00 14
    Expect Message    type=C_IC_NA_1    cot=UNKNOWN_COT    negative=True


*** Keywords ***
Fresh Connection
    [Documentation]    A new connection that acknowledges within the RTU's t2, well inside its t1.
    [Arguments]    &{options}
    Reconnect To RTU Under Test    t2=${T2}    &{options}

Restore Point
    [Documentation]    Puts a simulated point back (nothing to do against a real RTU).
    [Arguments]    ${ioa}    ${value}
    IF    ${SIMULATED}    Set Simulated Point    ${ioa}    ${value}
    Close All RTU Connections
